"""The vault on a local filesystem: ``<root>/objects/ab/cd/<sha256>``, files made read-only.

An upload streams into ``<root>/tmp/`` (same filesystem, so the final step is a rename-like
link, never a copy), hashing as it goes. When the hash is known the temp file is fsynced and
hard-linked to its final name; ``os.link`` refuses to replace an existing name, which is what
makes the vault write-once even with two uploads of the same bytes racing. The directory is
fsynced so the new name survives a power cut.

Each upload holds an ``flock`` on its temp file while it lives, so a temp file nobody holds
was left by a killed process: :meth:`LocalVault.clean_tmp` removes those (the app does at
start) without ever touching an upload in progress.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
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
#: A temp file whose lock cannot be tested (another user's) is stale after this long untouched.
STALE_AFTER = 3600


@dataclasses.dataclass
class TmpSweep:
    """What :meth:`LocalVault.clean_tmp` found: temp files removed (and their bytes), and
    those still held by a live upload."""

    removed: int = 0
    bytes: int = 0
    in_use: int = 0


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

    def probe_writable(self) -> None:
        """Create and remove a file in ``tmp/`` and a directory in ``objects/``, as an upload
        would; raises the ``OSError`` (``PermissionError``…) an upload would meet."""
        fd, name = tempfile.mkstemp(prefix=".probe-", dir=self.tmp_dir)
        try:
            _write_all(fd, b"probe")
        finally:
            os.close(fd)
            os.unlink(name)
        probe = Path(tempfile.mkdtemp(prefix=".probe-", dir=self.objects_dir))
        probe.rmdir()

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
        fd, tmp = self._new_tmp()
        try:
            try:
                digest, size = self._write(fd, source, limit)
                # Read-only before it gets its final name: no moment where the object is writable.
                os.fchmod(fd, 0o444)
                os.fsync(fd)
                if size >= DROP_WINDOW:
                    _drop_cache(fd, 0, size)  # all clean now; small files stay cached
                if size == 0:
                    raise ValidationFailed([("file", "The file is empty.")])
                # Still holding the temp file's lock: a sweep never removes it before the link.
                created = self._place(tmp, digest, size)
            finally:
                os.close(fd)
        except BaseException:
            # BaseException: a KeyboardInterrupt or a closed generator must not leave a temp file.
            tmp.unlink(missing_ok=True)
            raise
        tmp.unlink(missing_ok=True)
        return StoredObject(sha256=digest, size=size, key=object_key(digest), created=created)

    def _new_tmp(self) -> tuple[int, Path]:
        """A new temp file, open and locked (``flock``) for as long as this upload lives.

        The lock is what tells :meth:`clean_tmp` that a live process still writes the file; a
        process killed mid-upload (SIGKILL, OOM, power) loses it with its file descriptors.
        A sweep may remove the file between ``mkstemp`` and ``flock``: then the name no longer
        leads to our file, and we simply make another.
        """
        while True:
            fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=self.tmp_dir)
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a sweep holds it, never long
            try:
                ours = os.stat(name).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                ours = False
            if ours:
                return fd, Path(name)
            os.close(fd)

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
        """Remove temp files left by dead processes and untouched for ``older_than_seconds``;
        return how many. See :meth:`clean_tmp`."""
        return self.clean_tmp(older_than_seconds).removed

    def clean_tmp(self, older_than_seconds: float = 0) -> TmpSweep:
        """Remove the temp files no live upload holds (left by a killed or crashed process),
        if untouched for ``older_than_seconds`` (0: whatever their age).

        A live upload holds an ``flock`` on its temp file until the object has its final name,
        so it is never removed, however slow. A file this process may not open (another user's)
        cannot be tested that way: it is removed only once untouched for ``STALE_AFTER``.
        """
        now = time.time()
        sweep = TmpSweep()
        with os.scandir(self.tmp_dir) as entries:
            for entry in entries:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    info = entry.stat(follow_symlinks=False)
                    age = now - info.st_mtime
                    if entry.name.startswith(".probe-") and age < 60:
                        continue  # another process starting at the same moment is probing
                    try:
                        state = _free_or_held(entry.path, remove=age >= older_than_seconds)
                    except PermissionError:  # not ours to open: judge by age alone
                        state = "held"
                        if age >= max(older_than_seconds, STALE_AFTER):
                            os.unlink(entry.path)
                            state = "removed"
                except FileNotFoundError:
                    continue  # finished or swept by someone else meanwhile
                if state == "removed":
                    sweep.removed += 1
                    sweep.bytes += info.st_size
                elif state == "held":
                    sweep.in_use += 1
        return sweep

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


def _free_or_held(path: str, *, remove: bool) -> str:
    """``"held"`` when a live process holds ``path``'s lock; else ``"removed"`` (if ``remove``:
    unlinked while we hold the lock, so an upload starting on it sees it gone and retries) or
    ``"free"``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "held"
        if not remove:
            return "free"
        os.unlink(path)
        return "removed"
    finally:
        os.close(fd)


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
