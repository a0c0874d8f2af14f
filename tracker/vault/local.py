"""The vault on a local filesystem: ``<root>/objects/ab/cd/<sha256>``, files made read-only.

An upload streams into ``<root>/tmp/`` (same filesystem, so the final step is a rename-like
link, never a copy), hashing as it goes. When the hash is known the temp file is fsynced and
hard-linked to its final name; ``os.link`` refuses to replace an existing name, which is what
makes the vault write-once even with two uploads of the same bytes racing. The directory is
fsynced so the new name survives a power cut.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import Conflict, NotFound, TooLarge, ValidationFailed
from .backend import (
    CHUNK_SIZE,
    Source,
    StoredObject,
    VaultBackend,
    iter_chunks,
    normalize_sha256,
    object_key,
)

#: Every this many bytes written, ask the kernel to start writing them out and to drop what is
#: already on disk from the page cache: a 2 GB upload neither floods the cache (evicting what
#: the app reads) nor leaves 2 GB for one long fsync at the end.
DROP_WINDOW = 64 * 1024 * 1024
_TMP_PREFIX = "put-"
_TMP_SUFFIX = ".part"
_HEX = frozenset("0123456789abcdef")


class LocalVault(VaultBackend):
    """A content-addressed, write-once vault under ``root``.

    ``max_bytes`` is the default upload limit (None: no limit); ``put_stream`` may lower or
    raise it per call. The vault assumes ``root`` is one filesystem that supports hard links
    (any local POSIX filesystem does).
    """

    def __init__(
        self, root: Path | str, *, max_bytes: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.root = Path(root)
        self.objects_dir = self.root / "objects"
        self.tmp_dir = self.root / "tmp"
        self.max_bytes = max_bytes
        self.chunk_size = chunk_size
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / object_key(sha256)

    # -- writing ---------------------------------------------------------------------------

    def put_stream(self, source: Source, *, max_bytes: int | None = None) -> StoredObject:
        """Stream ``source`` into the vault, one chunk in memory at a time.

        Guarantees: the hash is of the bytes actually written; an existing object is never
        touched (``created=False``); the stored file is mode 0444. Refuses an empty source
        (``ValidationFailed``), more than the limit (``TooLarge``, raised as soon as the limit
        is passed, without reading the rest), and raises ``Conflict`` if an object stored
        under the same hash has a different size (the vault was damaged: see ``verify``).
        On any error (including one raised by the source) the temp file is removed.
        """
        limit = self.max_bytes if max_bytes is None else max_bytes
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=self.tmp_dir)
        tmp = Path(tmp_name)
        try:
            try:
                digest, size = self._write(fd, source, limit)
                # Read-only before it gets its final name: no moment where the object is writable.
                os.fchmod(fd, 0o444)
                os.fsync(fd)
                if size >= DROP_WINDOW:
                    _drop_cache(fd, 0, size)  # all clean now; small files stay cached
            finally:
                os.close(fd)
            if size == 0:
                raise ValidationFailed([("file", "The file is empty.")])
            created = self._place(tmp, digest, size)
        except BaseException:
            # BaseException: a KeyboardInterrupt or a closed generator must not leave a temp file.
            tmp.unlink(missing_ok=True)
            raise
        tmp.unlink(missing_ok=True)
        return StoredObject(sha256=digest, size=size, key=object_key(digest), created=created)

    def _write(self, fd: int, source: Source, limit: int | None) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        advised = 0
        for chunk in iter_chunks(source, self.chunk_size):
            size += len(chunk)
            if limit is not None and size > limit:
                raise TooLarge(f"The file is larger than the upload limit of {_human(limit)}.")
            digest.update(chunk)
            _write_all(fd, chunk)
            if size - advised >= DROP_WINDOW:
                # Back to the window before, whose writeback has usually finished by now.
                _drop_cache(fd, max(0, advised - DROP_WINDOW), size)
                advised = size
        return digest.hexdigest(), size

    def _place(self, tmp: Path, digest: str, size: int) -> bool:
        final = self._path(digest)
        new_dirs = _make_dirs(final.parent, stop=self.objects_dir)
        try:
            os.link(tmp, final)
        except FileExistsError:
            existing = final.stat().st_size
            if existing != size:
                raise Conflict(
                    f"The vault holds a {existing}-byte object under {digest}, which should "
                    f"have {size} bytes: the stored copy is damaged and was left untouched."
                ) from None
            return False
        _fsync_dir(final.parent)
        # A directory made for this object is itself a new entry in its parent: sync those too.
        for directory in new_dirs:
            _fsync_dir(directory.parent)
        return True

    def sweep_tmp(self, older_than_seconds: float) -> int:
        """Remove temp files untouched for ``older_than_seconds`` (left by crashed processes).

        Returns how many were removed. An upload in progress rewrites its temp file every
        chunk, so choose a threshold longer than any stall; if a slow upload's temp file is
        swept anyway, that upload fails at ``os.link`` and stores nothing (never a partial
        object).
        """
        cutoff = time.time() - older_than_seconds
        removed = 0
        with os.scandir(self.tmp_dir) as entries:
            for entry in entries:
                try:
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    continue  # finished or swept by someone else meanwhile
        return removed

    # -- reading ---------------------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes opened ``rb`` (read-only), or ``NotFound``."""
        try:
            return open(self._path(sha256), "rb")  # the caller closes it
        except FileNotFoundError:
            raise NotFound(f"No stored object {normalize_sha256(sha256)}.") from None

    def exists(self, sha256: str) -> bool:
        """Whether ``objects/ab/cd/<sha256>`` is a regular file (content not checked)."""
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """The stored file's size in bytes, or ``NotFound``."""
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"No stored object {normalize_sha256(sha256)}.") from None

    def path_hint(self, sha256: str) -> Path:
        """The stored file's path (treat it as read-only), or ``NotFound`` if it is missing."""
        path = self._path(sha256)
        if not path.is_file():
            raise NotFound(f"No stored object {normalize_sha256(sha256)}.")
        return path

    def iter_objects(self) -> Iterator[str]:
        """Every stored hash in sorted order; stray files that are not at their hash's place
        (``objects/ab/cd/<sha256>``) are skipped, never reported as objects.
        """
        for first in _sorted_dirs(self.objects_dir):
            for second in _sorted_dirs(first):
                with os.scandir(second) as entries:
                    names = sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
                for name in names:
                    if (
                        len(name) == 64
                        and _HEX.issuperset(name)
                        and name[:2] == first.name
                        and name[2:4] == second.name
                    ):
                        yield name

    def is_read_only(self, sha256: str) -> bool:
        """Whether the stored file has no write permission bits (as ``put_stream`` leaves it)."""
        mode = self._path(sha256).stat().st_mode
        return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _write_all(fd: int, chunk: memoryview | bytes) -> None:
    # os.write may write less than asked (signals, some filesystems): loop until all is out.
    view = memoryview(chunk)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _drop_cache(fd: int, start: int, end: int) -> None:
    # Linux starts writeback of dirty pages in the range and drops the clean ones. Only advice:
    # absent on some systems (macOS), and never worth failing an upload for.
    try:
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)
    except (AttributeError, OSError):
        pass


def _make_dirs(directory: Path, *, stop: Path) -> list[Path]:
    """Create ``directory`` and missing parents below ``stop``; return those created."""
    created: list[Path] = []
    missing = []
    current = directory
    while current != stop and not current.is_dir():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir()
            created.append(path)
        except FileExistsError:
            pass  # another upload made it first; it syncs its own
    return created


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some filesystems cannot fsync a directory; the data itself was already synced.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _sorted_dirs(parent: Path) -> list[Path]:
    with os.scandir(parent) as entries:
        return sorted(
            (Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)),
            key=lambda p: p.name,
        )


def _human(limit: int) -> str:
    """``26,214,400 bytes (25 MiB)``: exact for the record, readable for people."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor:
            return f"{limit:,} bytes ({limit / factor:g} {unit})"
    return f"{limit:,} bytes"
