"""The evidence vault: content-addressed, write-once storage of uploaded bytes.

Pure storage: no Flask, no database. ``LocalVault`` stores files by SHA-256 on a local
filesystem; ``sniff`` says what the bytes are; ``names`` makes the sender's file name safe to
show and to send back.
"""

from __future__ import annotations

from .backend import CHUNK_SIZE, StoredObject, VaultBackend, Verdict, normalize_sha256, object_key
from .local import LocalVault
from .names import check_name, content_disposition, display_name, safe_download_name
from .sniff import SNIFF_BYTES, Sniffed, sniff_file, sniff_media_type

__all__ = [
    "CHUNK_SIZE",
    "SNIFF_BYTES",
    "LocalVault",
    "Sniffed",
    "StoredObject",
    "VaultBackend",
    "Verdict",
    "check_name",
    "content_disposition",
    "display_name",
    "normalize_sha256",
    "object_key",
    "safe_download_name",
    "sniff_file",
    "sniff_media_type",
]
