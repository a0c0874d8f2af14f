"""LocalVault against a real directory: write-once, content-addressed, nothing left on failure."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from tracker.errors import Conflict, NotFound, TooLarge, ValidationFailed
from tracker.vault import LocalVault, StoredObject, object_key

DATA = b"exhibit A: the signed contract\n" * 1000


@pytest.fixture
def vault(tmp_path: Path) -> LocalVault:
    return LocalVault(tmp_path / "vault")


def leftovers(vault: LocalVault) -> tuple[list[str], list[str]]:
    """(temp files, stored hashes): both must be empty after a failed upload."""
    return sorted(os.listdir(vault.tmp_dir)), list(vault.iter_objects())


def chunked(data: bytes, size: int = 4096):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def flip_first_byte(path: Path) -> None:
    path.chmod(0o644)
    with open(path, "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0x01]))
    path.chmod(0o444)


def test_put_stores_under_the_sha256_of_the_bytes(vault):
    stored = vault.put_stream(chunked(DATA))

    digest = hashlib.sha256(DATA).hexdigest()
    assert stored == StoredObject(
        sha256=digest, size=len(DATA), key=object_key(digest), created=True
    )
    assert stored.key == f"objects/{digest[:2]}/{digest[2:4]}/{digest}"
    assert (vault.root / stored.key).read_bytes() == DATA
    assert vault.exists(digest) and vault.size(digest) == len(DATA)
    assert vault.path_hint(digest) == vault.root / stored.key
    assert leftovers(vault) == ([], [digest])


def test_stored_file_is_read_only(vault):
    stored = vault.put_stream(DATA)
    path = vault.root / stored.key

    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert vault.is_read_only(stored.sha256)
    with vault.open(stored.sha256) as handle:
        assert handle.read() == DATA
        with pytest.raises(io.UnsupportedOperation):
            handle.write(b"x")


def test_same_bytes_are_stored_once_and_never_rewritten(vault):
    first = vault.put_stream(DATA)
    before = (vault.root / first.key).stat()
    time.sleep(0.01)

    second = vault.put_stream(io.BytesIO(DATA))

    assert first.created and not second.created
    assert (second.sha256, second.key, second.size) == (first.sha256, first.key, first.size)
    after = (vault.root / first.key).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert leftovers(vault) == ([], [first.sha256])


def test_different_bytes_are_different_objects(vault):
    a = vault.put_stream(DATA)
    b = vault.put_stream(DATA + b"!")

    assert a.sha256 != b.sha256 and a.key != b.key
    assert sorted(vault.iter_objects()) == sorted([a.sha256, b.sha256])


class ReadOnlySource:
    """A file object with ``read`` only (no ``readinto``) that records the sizes asked for."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.asked: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return self.stream.read(size)


class ReadIntoSource(io.RawIOBase):
    """A raw stream that records the buffer sizes ``readinto`` was given."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.buffers: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.buffers.append(len(buffer))
        return self.stream.readinto(buffer)


@pytest.mark.parametrize("kind", ["iterator", "bytes", "bytesio", "read", "readinto", "file"])
def test_every_kind_of_source_gives_the_same_object(vault, tmp_path, kind):
    data = os.urandom(300_000)
    if kind == "iterator":
        source = chunked(data, 7777)
    elif kind == "bytes":
        source = data
    elif kind == "bytesio":
        source = io.BytesIO(data)
    elif kind == "read":
        source = ReadOnlySource(data)
    elif kind == "readinto":
        source = ReadIntoSource(data)
    else:
        path = tmp_path / "upload.bin"
        path.write_bytes(data)
        source = path.open("rb")

    stored = vault.put_stream(source)

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert vault.rehash(stored.sha256) == stored.sha256


def test_file_sources_are_read_one_chunk_at_a_time(tmp_path):
    vault = LocalVault(tmp_path / "vault", chunk_size=64 * 1024)
    data = os.urandom(1_000_000)
    by_read, by_readinto = ReadOnlySource(data), ReadIntoSource(data)

    vault.put_stream(by_read)
    vault.put_stream(by_readinto)

    assert set(by_read.asked) == {64 * 1024}
    assert set(by_readinto.buffers) == {64 * 1024}


def test_werkzeug_upload_streams_in(vault):
    from werkzeug.datastructures import FileStorage

    upload = FileStorage(io.BytesIO(DATA), filename="계약서.pdf", content_type="text/html")
    stored = vault.put_stream(upload.stream)
    assert stored.sha256 == hashlib.sha256(DATA).hexdigest()


@pytest.mark.parametrize("error", [RuntimeError("connection reset"), KeyboardInterrupt()])
def test_interrupted_upload_leaves_nothing(vault, error):
    seen_temp_files = []

    def source():
        yield DATA
        yield DATA
        seen_temp_files.extend(os.listdir(vault.tmp_dir))  # the upload was under way
        raise error

    with pytest.raises(type(error)):
        vault.put_stream(source())

    assert len(seen_temp_files) == 1
    assert leftovers(vault) == ([], [])


def test_too_large_is_refused_mid_stream_and_leaves_nothing(tmp_path):
    vault = LocalVault(tmp_path / "vault", max_bytes=10_000)
    pulled = []

    def source():
        for chunk in chunked(os.urandom(100_000), 4096):
            pulled.append(len(chunk))
            yield chunk

    with pytest.raises(TooLarge) as caught:
        vault.put_stream(source())

    assert "10,000 bytes" in caught.value.message
    assert sum(pulled) < 16_384  # stopped at the limit, did not read the rest
    assert leftovers(vault) == ([], [])


def test_limit_is_inclusive_and_can_be_set_per_call(tmp_path):
    vault = LocalVault(tmp_path / "vault", max_bytes=1000)

    assert vault.put_stream(b"x" * 1000).size == 1000
    with pytest.raises(TooLarge, match=r"2,097,152 bytes \(2 MiB\)"):
        vault.put_stream(b"y" * 3_000_000, max_bytes=2 * 1024 * 1024)
    assert vault.put_stream(b"z" * 5000, max_bytes=10_000).size == 5000
    assert len(list(vault.iter_objects())) == 2


@pytest.mark.parametrize("source", [b"", iter([]), iter([b"", b""]), io.BytesIO()])
def test_empty_upload_is_refused_and_leaves_nothing(vault, source):
    with pytest.raises(ValidationFailed) as caught:
        vault.put_stream(source)

    assert caught.value.errors == [("file", "The file is empty.")]
    assert leftovers(vault) == ([], [])


def test_text_chunks_are_refused(vault):
    with pytest.raises(TypeError):
        vault.put_stream(iter(["not bytes"]))
    assert leftovers(vault) == ([], [])


def test_writes_are_fsynced_file_and_directory(vault, monkeypatch):
    synced = []  # (inode, is a directory)
    real_fsync = os.fsync

    def recording_fsync(fd):
        info = os.fstat(fd)
        synced.append((info.st_ino, stat.S_ISDIR(info.st_mode)))
        real_fsync(fd)

    monkeypatch.setattr("tracker.vault.local.os.fsync", recording_fsync)
    stored = vault.put_stream(DATA)

    final = vault.root / stored.key
    assert synced[0] == (final.stat().st_ino, False)  # the data, before it gets its name
    assert (final.parent.stat().st_ino, True) in synced  # the new name
    assert (final.parent.parent.stat().st_ino, True) in synced  # the new shard directory


def test_large_uploads_drop_written_pages_from_the_cache(vault, monkeypatch):
    advice = []

    def failing_fadvise(fd, offset, length, flag):
        advice.append((offset, length, flag))
        raise OSError("not supported here")  # advice only: must not fail the upload

    monkeypatch.setattr("tracker.vault.local.DROP_WINDOW", 100_000)
    monkeypatch.setattr("tracker.vault.local.os.posix_fadvise", failing_fadvise)
    data = os.urandom(350_000)

    stored = vault.put_stream(chunked(data, 50_000))

    assert vault.rehash(stored.sha256) == hashlib.sha256(data).hexdigest()
    assert {flag for *_, flag in advice} == {os.POSIX_FADV_DONTNEED}
    assert [(o, o + n) for o, n, _ in advice] == [
        (0, 100_000),
        (0, 200_000),
        (100_000, 300_000),
        (0, 350_000),
    ]


def test_verify_catches_a_flipped_byte_and_a_deleted_object(vault):
    kept = vault.put_stream(DATA)
    flipped = vault.put_stream(DATA + b"2")
    deleted = vault.put_stream(DATA + b"3")

    flip_first_byte(vault.root / flipped.key)
    (vault.root / deleted.key).unlink()

    assert vault.verify(kept.sha256) == "ok"
    assert vault.verify(flipped.sha256) == "tampered"
    assert vault.verify(deleted.sha256) == "missing"
    assert vault.rehash(flipped.sha256) != flipped.sha256


def test_a_damaged_object_is_never_replaced(vault):
    stored = vault.put_stream(DATA)
    path = vault.root / stored.key
    path.chmod(0o644)
    path.write_bytes(DATA[:10])
    path.chmod(0o444)

    with pytest.raises(Conflict, match="damaged"):
        vault.put_stream(DATA)

    assert path.read_bytes() == DATA[:10]  # evidence of the damage kept as found
    assert os.listdir(vault.tmp_dir) == []


def test_iter_objects_lists_orphans_and_skips_stray_files(vault):
    recorded = {vault.put_stream(DATA).sha256, vault.put_stream(DATA + b"1").sha256}
    orphan = vault.put_stream(DATA + b"orphan").sha256
    (vault.objects_dir / "README").write_text("not an object")
    wrong_first = "00" if orphan[:2] != "00" else "11"
    wrong_second = "00" if orphan[2:4] != "00" else "11"
    for first, second in ((wrong_first, orphan[2:4]), (orphan[:2], wrong_second)):
        misplaced = vault.objects_dir / first / second
        misplaced.mkdir(parents=True, exist_ok=True)
        (misplaced / orphan).write_bytes(b"a copy in the wrong place")
    (vault.tmp_dir / "put-crashed.part").write_bytes(b"partial")

    listed = list(vault.iter_objects())

    assert listed == sorted(recorded | {orphan})
    assert set(listed) - recorded == {orphan}


def test_sweep_tmp_removes_only_stale_temp_files(vault):
    stale = vault.tmp_dir / "put-stale.part"
    fresh = vault.tmp_dir / "put-fresh.part"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"an upload in progress")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))

    assert vault.sweep_tmp(older_than_seconds=600) == 1
    assert sorted(os.listdir(vault.tmp_dir)) == ["put-fresh.part"]


def test_hashes_are_checked_before_touching_the_filesystem(vault):
    stored = vault.put_stream(DATA)

    assert vault.exists(stored.sha256.upper())
    for bad in ["../../etc/passwd", "", stored.sha256[:-1], stored.sha256 + "0", "g" * 64]:
        with pytest.raises(ValidationFailed):
            vault.open(bad)
        with pytest.raises(ValidationFailed):
            vault.exists(bad)


def test_missing_objects_raise_not_found(vault):
    absent = hashlib.sha256(b"never stored").hexdigest()

    assert not vault.exists(absent)
    for method in (vault.open, vault.size, vault.path_hint, vault.rehash):
        with pytest.raises(NotFound):
            method(absent)
    assert vault.verify(absent) == "missing"


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_puts_of_the_same_bytes_store_one_object(vault, threads):
    data = os.urandom(2_000_000)
    barrier = threading.Barrier(threads)
    results: list[StoredObject] = []
    errors: list[BaseException] = []

    def source():
        yield data[:1000]
        barrier.wait(timeout=10)  # every upload has its own temp file open at this point
        yield data[1000:]

    def upload():
        try:
            results.append(vault.put_stream(source()))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=upload) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert [r.created for r in results].count(True) == 1
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert leftovers(vault) == ([], [results[0].sha256])
    assert vault.verify(results[0].sha256) == "ok"
