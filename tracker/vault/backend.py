"""The vault's storage contract: content-addressed, write-once evidence bytes.

A vault stores bytes under their SHA-256. The same bytes are stored once; stored bytes never
change (nothing here overwrites or deletes an object). The database keeps the original file
name, who uploaded it and when; the vault knows only hashes.

How an S3-compatible backend would implement this contract (not implemented here):

- ``put_stream``: start a multipart upload to a temporary key (``tmp/<uuid>``), hashing each
  part as it is sent and counting bytes against ``max_bytes`` (abort the multipart upload on
  any error, so no temp object is left; a bucket lifecycle rule expiring ``tmp/`` after a day
  plays the part of ``sweep_tmp`` for crashed processes). Once the hash is known, server-side
  copy the temp object to ``objects/ab/cd/<sha256>`` with ``If-None-Match: *``: a 412 answer
  means the bytes were already stored (``created=False``). Then delete the temp key.
- Immutability: the bucket has S3 Object Lock enabled and the copy sets a retention
  (``x-amz-object-lock-mode: COMPLIANCE`` with a retain-until date, or a legal hold), so not
  even the account owner can change or delete the stored bytes. Versioning (required by
  Object Lock) keeps any attempted overwrite as a separate version.
- ``open`` streams ``GetObject``; ``exists`` and ``size`` use ``HeadObject``; ``iter_objects``
  pages through ``ListObjectsV2`` under ``objects/``; ``rehash`` streams the body through
  hashlib (the ETag of a multipart upload is not a content hash); ``path_hint`` returns None.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Literal

from ..errors import NotFound, ValidationFailed

#: Bytes read and hashed at a time. Measured with ``benchmarks/bench_vault.py``: 1 MiB is
#: within noise of larger chunks and keeps the per-upload buffer small.
CHUNK_SIZE = 1024 * 1024

#: What ``put_stream`` accepts: a binary file object (anything with ``readinto`` or ``read``,
#: such as a Werkzeug ``FileStorage`` stream), an iterable of byte chunks, or bytes.
Source = bytes | BinaryIO | Iterable[bytes]

Verdict = Literal["ok", "missing", "tampered"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class StoredObject:
    """The result of storing bytes: their hash, size and storage key.

    ``created`` is False when identical bytes were already in the vault (nothing was written).
    """

    sha256: str
    size: int
    key: str
    created: bool


def normalize_sha256(sha256: str) -> str:
    """The lowercase hex digest, or ``ValidationFailed`` for anything that is not 64 hex digits.

    Every public method checks its hash with this, so a hash can never smuggle a path
    (``../``) into a storage key.
    """
    value = sha256.lower() if isinstance(sha256, str) else ""
    if not _SHA256.fullmatch(value):
        raise ValidationFailed([("sha256", "Not a SHA-256 hex digest.")])
    return value


def object_key(sha256: str) -> str:
    """The storage key of a hash: ``objects/ab/cd/<sha256>`` (two levels keep directories small)."""
    digest = normalize_sha256(sha256)
    return f"objects/{digest[:2]}/{digest[2:4]}/{digest}"


def iter_chunks(source: Source, chunk_size: int = CHUNK_SIZE) -> Iterator[memoryview | bytes]:
    """Yield the source's bytes in chunks without ever holding more than one chunk.

    File objects with ``readinto`` are read into one reused buffer: each yielded memoryview is
    only valid until the next one is asked for (consumers hash and write it at once). ``bytes``
    passed directly are one chunk (iterating them would yield ints). Refuses text: ``str``
    chunks raise ``TypeError``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        yield source
        return
    readinto = getattr(source, "readinto", None)
    if readinto is not None:
        buffer = bytearray(chunk_size)
        view = memoryview(buffer)
        while True:
            count = readinto(view)
            if not count:
                return
            yield view[:count]
    read = getattr(source, "read", None)
    if read is not None:
        while chunk := read(chunk_size):
            _require_bytes(chunk)
            yield chunk
        return
    for chunk in source:
        _require_bytes(chunk)
        if chunk:
            yield chunk


def _require_bytes(chunk: object) -> None:
    if not isinstance(chunk, bytes | bytearray | memoryview):
        raise TypeError(f"vault sources yield bytes, not {type(chunk).__name__}")


def hash_stream(fileobj: BinaryIO, chunk_size: int = CHUNK_SIZE) -> str:
    """The SHA-256 hex digest of everything left in ``fileobj``, read chunk by chunk."""
    digest = hashlib.sha256()
    for chunk in iter_chunks(fileobj, chunk_size):
        digest.update(chunk)
    return digest.hexdigest()


class VaultBackend(abc.ABC):
    """Write-once, content-addressed storage of evidence bytes.

    Guarantees of every implementation: bytes are stored under the SHA-256 computed while
    they streamed in (never one the client declared); an object, once stored, is never
    modified or replaced; a failed or refused upload leaves neither a temp file nor an object.
    Hash arguments are checked (``ValidationFailed`` if not a SHA-256 hex digest); a missing
    object raises ``NotFound``.
    """

    @abc.abstractmethod
    def put_stream(self, source: Source, *, max_bytes: int | None = None) -> StoredObject:
        """Stream ``source`` into the vault and return what was stored.

        Refuses an empty source (``ValidationFailed`` on field ``file``) and one larger than
        ``max_bytes`` (``TooLarge``); any error from the source propagates. In every failure
        nothing is left behind.
        """

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A read-only binary file object of the stored bytes (the caller closes it)."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether an object is stored under ``sha256`` (its content is not checked)."""

    @abc.abstractmethod
    def size(self, sha256: str) -> int:
        """The stored object's size in bytes."""

    @abc.abstractmethod
    def iter_objects(self) -> Iterator[str]:
        """Every stored hash, so callers can find objects no record points to (orphans)."""

    def rehash(self, sha256: str) -> str:
        """The SHA-256 of the bytes as stored now, streamed (never read whole into memory)."""
        with self.open(sha256) as stream:
            return hash_stream(stream)

    def verify(self, sha256: str) -> Verdict:
        """``"ok"`` if the stored bytes still hash to ``sha256``, else ``"missing"`` or
        ``"tampered"``. Reads the whole object (streamed); never raises ``NotFound``.
        """
        digest = normalize_sha256(sha256)
        try:
            actual = self.rehash(digest)
        except NotFound:
            return "missing"
        return "ok" if actual == digest else "tampered"

    def path_hint(self, sha256: str) -> Path | None:
        """The local file holding the object, for ``send_file`` and libraries that want a path;
        None for backends without local files. The file must be treated as read-only.
        """
        return None
