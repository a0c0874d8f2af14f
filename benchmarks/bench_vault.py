"""Stream a large file into a LocalVault: throughput and peak memory, against baselines.

    python benchmarks/bench_vault.py                  # 2 GB, 3 runs, chunk sizes 1-8 MiB
    python benchmarks/bench_vault.py --size-mb 256    # quicker
    python benchmarks/bench_vault.py --cold           # evict the source from the page cache

Every measurement runs in a fresh subprocess, so peak RSS (``VmHWM``) is that operation's
alone. Baselines in the same run, on the same file: ``hashlib`` reading it (what
``sha256sum`` does), ``sha256sum`` itself, ``cp``, and ``cp`` followed by an fsync (the
vault fsyncs; plain ``cp`` leaves the data in the page cache). The vault's figure divided by
the baselines says how close to the hardware it gets. Medians of ``--runs`` runs.

Targets: peak RSS < 150 MiB, >= 300 MB/s (MB = 10^6 bytes) hashing and storing.
The source is ``os.urandom`` data so hashing sees real bytes. All files are removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
TARGET_RSS_MIB = 150
TARGET_MB_S = 300


# -- child side: one operation, then its figures as JSON on stdout ------------------------------


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, src: Path, dest: Path, chunk: int) -> dict:
    if mode == "vault":
        from tracker.vault import LocalVault  # imported before timing: the app pays it once

        vault = LocalVault(dest, chunk_size=chunk)
    rss_before = _peak_rss_mib()
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    with open(src, "rb", buffering=0) as source:
        if mode == "hashlib":
            digest = hashlib.sha256()
            buffer = bytearray(chunk)
            view = memoryview(buffer)
            while count := source.readinto(view):
                digest.update(view[:count])
            sha256 = digest.hexdigest()
        else:
            stored = vault.put_stream(source)
            sha256 = stored.sha256
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    figures = {"seconds": seconds, "cpu_s": cpu, "sha256": sha256}
    return figures | {"rss_mib": _peak_rss_mib(), "rss_before_mib": rss_before}


def _cpu_seconds() -> float:
    """User + system CPU time of this process: unlike wall time, barely moved by other load."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- parent side --------------------------------------------------------------------------------


def _settle() -> None:
    """Flush dirty pages left by the previous scenario, so it does not slow the next one.

    Without this, one scenario's background writeback lands in the next one's timing (the
    disk of a shared VM varies enough as it is).
    """
    os.sync()
    time.sleep(0.5)


def _run_child(mode: str, src: Path, dest: Path, chunk: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--src", str(src)]
    command += ["--dest", str(dest), "--chunk", str(chunk)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _timed(command: list[str]) -> dict:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return {"seconds": time.perf_counter() - started, "stdout": done.stdout}


def _evict(path: Path) -> None:
    """Drop the file's pages from the page cache (only this file; nothing system-wide)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _generate(path: Path, size: int) -> None:
    block = 8 * MIB
    with open(path, "wb") as out:
        left = size
        while left:
            out.write(os.urandom(min(block, left)))
            left -= min(block, left)
        out.flush()
        os.fsync(out.fileno())


def _measure(args: argparse.Namespace, work: Path, src: Path, size: int) -> dict[str, list]:
    results: dict[str, list] = {}
    chunks = [int(c) for c in args.chunk_mib.split(",")]
    expected = None
    for run in range(args.runs):
        scenarios = [("hashlib", 1), *(("vault", c) for c in chunks)]
        for mode, chunk_mib in scenarios:
            _settle()
            if args.cold:
                _evict(src)
            dest = work / f"vault-{run}-{chunk_mib}"
            figures = _run_child(mode, src, dest, chunk_mib * MIB)
            expected = expected or figures["sha256"]
            if figures["sha256"] != expected:
                raise SystemExit(f"{mode}: hash {figures['sha256']} != {expected}")
            results.setdefault(f"{mode} {chunk_mib} MiB", []).append(figures)
            shutil.rmtree(dest, ignore_errors=True)
        for name, command in _baseline_commands(src, work / "copy"):
            _settle()
            if args.cold:
                _evict(src)
            figures = _timed(command)
            if name == "sha256sum" and not figures["stdout"].startswith(expected):
                raise SystemExit("sha256sum disagrees with hashlib")
            results.setdefault(name, []).append(figures)
            (work / "copy").unlink(missing_ok=True)
        print(f"  run {run + 1}/{args.runs} done", file=sys.stderr)
    return results


def _baseline_commands(src: Path, copy: Path) -> list[tuple[str, list[str]]]:
    commands = []
    if shutil.which("sha256sum"):
        commands.append(("sha256sum", ["sha256sum", str(src)]))
    commands.append(("cp", ["cp", str(src), str(copy)]))
    # coreutils sync FILE fsyncs that file: the fair comparison for a vault that fsyncs.
    commands.append(("cp + fsync", ["sh", "-c", 'cp "$1" "$2" && sync "$2"', "-", src, copy]))
    return [(name, [str(part) for part in command]) for name, command in commands]


def _report(results: dict[str, list], size: int, args: argparse.Namespace) -> dict:
    rows = {}
    hash_rate = None
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        rate = size / 1e6 / seconds
        rss = max((r["rss_mib"] for r in runs if "rss_mib" in r), default=None)
        rows[name] = {
            "median_s": round(seconds, 3),
            "mb_s": round(rate, 1),
            "peak_rss_mib": rss,
            "runs_mb_s": [round(size / 1e6 / r["seconds"]) for r in runs],
        }
        if "cpu_s" in runs[0]:
            cpu = statistics.median(r["cpu_s"] for r in runs)
            rows[name]["mb_per_cpu_s"] = round(size / 1e6 / cpu, 1)
            # Interpreter and imports (tracker imports Flask): what the stream adds is the rest.
            rows[name]["rss_before_mib"] = max(r["rss_before_mib"] for r in runs)
        if name.startswith("hashlib"):
            hash_rate = rate
    cache = "cold (source evicted before each run)" if args.cold else "warm page cache"
    print(f"\n{size / 1e6:,.0f} MB, median of {args.runs} runs, {cache}\n")
    header = f"{'scenario':<16}{'median s':>10}{'MB/s':>10}{'MB/cpu-s':>10}{'peak RSS MiB':>14}"
    print(f"{header}{'vs hashlib':>12}  runs MB/s")
    for name, row in rows.items():
        rss = f"{row['peak_rss_mib']:.1f}" if row["peak_rss_mib"] is not None else "-"
        ratio = f"{row['mb_s'] / hash_rate:.2f}" if hash_rate else "-"
        runs = "/".join(str(r) for r in row["runs_mb_s"])
        per_cpu = f"{row['mb_per_cpu_s']:.0f}" if "mb_per_cpu_s" in row else "-"
        line = f"{name:<16}{row['median_s']:>10.2f}{row['mb_s']:>10.0f}{per_cpu:>10}{rss:>14}"
        print(f"{line}{ratio:>12}  {runs}")
    vault_rows = {k: v for k, v in rows.items() if k.startswith("vault")}
    from tracker.vault import CHUNK_SIZE

    default = f"vault {CHUNK_SIZE // MIB} MiB"
    judged = default if default in vault_rows else max(vault_rows, key=lambda k: rows[k]["mb_s"])
    worst_rss = max(v["peak_rss_mib"] for v in vault_rows.values())
    added = max(v["peak_rss_mib"] - v["rss_before_mib"] for v in vault_rows.values())
    verdict = rows[judged]["mb_s"] >= TARGET_MB_S and worst_rss < TARGET_RSS_MIB
    print(f"\n{judged} (the default): {rows[judged]['mb_s']:.0f} MB/s")
    print(f"worst vault peak RSS {worst_rss:.1f} MiB; streaming adds at most {added:.1f} MiB")
    print(
        f"targets >= {TARGET_MB_S} MB/s and < {TARGET_RSS_MIB} MiB: "
        f"{'met' if verdict else 'NOT met'}"
    )
    return {"size_bytes": size, "runs": args.runs, "cold": args.cold, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2048, help="source size in MiB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-mib", default="1,2,4,8", help="vault chunk sizes to compare")
    parser.add_argument("--cold", action="store_true", help="evict the source before each run")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the temp files")
    parser.add_argument("--json", type=Path, default=None, help="also write figures here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(_child(args.child, args.src, args.dest, args.chunk)))
        return 0

    size = args.size_mb * MIB
    work = Path(tempfile.mkdtemp(prefix="bench-vault-", dir=args.dir))
    try:
        src = work / "source.bin"
        started = time.perf_counter()
        _generate(src, size)
        print(
            f"generated {size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        summary = _report(_measure(args, work, src, size), size, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
