"""Dossier build benchmark: the demo matter scaled up, each measurement in a fresh process.

The matter is recorded through the services, as users would record it, into a scratch database
under the data folder (``tracker/dossier/demo.py``: facts, letters, exhibits uploaded and
labelled, links, the reconciliation), once per scale before any measurement; each measured
process reads it with ``services.dossiers.build_context``, the code path of a real build, and
reports that read apart ("context") from the build itself.

Scenarios (medians of --repeat runs):

- ``bundle``: 2,000 facts, 500 letters, 300 exhibits (PDFs of 3 pages and JPEGs), about a
  300-page body and 600 exhibit pages, cold cache.
- ``rebuild``: the same after one fact was edited (warm cache: one chronology chunk re-renders).
- ``bundle-2000``: about 2,000 pages (4,000 facts, 1,000 letters, 500 exhibits), cold cache.
- ``baseline``: one plain single-pass WeasyPrint render of ``render_html`` for the ``bundle``
  content (cover, contents and body with target-counter page numbers; one generated page per
  exhibit instead of the exhibit files, since HTML cannot hold them).

Wall seconds are those of the build call inside the child; "process" adds interpreter start
and imports. CPU seconds are summed over the child's process tree, and the machine's load
average is printed: wall times are only comparable on an otherwise idle machine. Peak RSS is
sampled every 20 ms over the child's whole process tree (the build's worker processes
included) and summed, which counts pages shared between the forked processes more than once,
so it is an upper bound; the summed PSS (shared pages split between their users) is printed too.

    .venv/bin/python benchmarks/bench_dossier.py [--repeat 3] [--only bundle,rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALES = {
    "bundle": {"facts": 2000, "letters": 500, "exhibits": 300, "pdf_pages": 3, "detail": 3},
    "bundle-2000": {"facts": 4000, "letters": 1000, "exhibits": 500, "pdf_pages": 4, "detail": 3},
}
TARGETS = {"bundle": (15.0, 600), "rebuild": (5.0, 600), "bundle-2000": (None, 600)}


def _context(scale: str, data: Path) -> dict:
    from tracker.dossier.demo import demo_context

    return demo_context(data / scale, **SCALES[scale])


def _record(scale: str, data: Path) -> float:
    """Record the scale's matter (once per data folder); seconds it took."""
    from tracker.dossier.demo import record_demo

    started = time.perf_counter()
    record_demo(data / scale, **SCALES[scale])
    return time.perf_counter() - started


def child(scenario: str, data: Path, workdir: Path, edit: int) -> None:
    """Runs in the measured process; prints one JSON line."""
    from tracker.dossier import build_dossier, render_html
    from tracker.dossier.render import render_part

    scale = "bundle" if scenario in ("rebuild", "baseline") else scenario
    read = time.perf_counter()
    context = _context(scale, data)
    context_seconds = time.perf_counter() - read
    if scenario == "rebuild":
        # One fact's text edited, as a user editing it would change the context.
        context["facts"] = [dict(f) for f in context["facts"]]
        context["facts"][len(context["facts"]) // 2]["text"] += f" (정정 {edit})"
    started = time.perf_counter()
    if scenario == "baseline":
        rendered = render_part(render_html(context), stylesheet=False)
        pages, timings = rendered.page_count, {}
    else:
        result = build_dossier(context, out_path=None, signer=None, workdir=workdir)
        pages, timings = result.page_count, result.timings
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "pages": pages,
                "timings": timings,
                "context_seconds": context_seconds,
            }
        )
    )


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def measure(args: list[str]) -> dict:
    """Run one child; return its report plus wall time and peak RSS of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    peak_sum = peak_one = peak_pss = 0
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_sum, peak_one, peak_pss
        while not done.is_set():
            pids = _tree(process.pid)
            sizes = [_rss_kib(pid) for pid in pids]
            peak_sum = max(peak_sum, sum(sizes))
            peak_pss = max(peak_pss, sum(_pss_kib(pid) for pid in pids))
            peak_one = max(peak_one, max(sizes, default=0))
            for pid in pids:
                cpu[pid] = max(cpu.get(pid, 0.0), _cpu_seconds(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"child failed: {args}")
    report = json.loads(output.strip().splitlines()[-1])
    report["process_seconds"] = time.perf_counter() - started
    report["peak_rss_mib"] = peak_sum / 1024
    report["peak_one_mib"] = peak_one / 1024
    report["peak_pss_mib"] = peak_pss / 1024
    report["cpu_seconds"] = sum(cpu.values())
    report["load"] = os.getloadavg()[0]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="bundle,rebuild,bundle-2000,baseline")
    parser.add_argument("--data", type=Path, default=None, help="keep exhibit files here")
    parser.add_argument("--child", nargs=4, metavar=("SCENARIO", "DATA", "WORKDIR", "EDIT"))
    args = parser.parse_args()
    if args.child:
        scenario, data, workdir, edit = args.child
        child(scenario, Path(data), Path(workdir), int(edit))
        return

    scratch = Path(tempfile.mkdtemp(prefix="bench-dossier-"))
    data = args.data or scratch / "data"
    scenarios = args.only.split(",")
    for scale in sorted({"bundle" if s in ("rebuild", "baseline") else s for s in scenarios}):
        seconds = _record(scale, data)  # once, outside the measurements
        print(f"{scale:12s} recorded through the services in {seconds:.1f} s", flush=True)
    rows = []
    try:
        for scenario in scenarios:
            runs = []
            warm = scratch / "warm"
            if scenario == "rebuild":
                shutil.rmtree(warm, ignore_errors=True)
                measure(["--child", "bundle", str(data), str(warm), "0"])  # fill the cache
            for index in range(args.repeat):
                if scenario == "rebuild":
                    workdir = warm
                else:
                    workdir = scratch / f"cold-{scenario}-{index}"
                runs.append(measure(["--child", scenario, str(data), str(workdir), str(index + 1)]))
                shutil.rmtree(scratch / f"cold-{scenario}-{index}", ignore_errors=True)
            row = {
                "scenario": scenario,
                "pages": runs[0]["pages"],
                "seconds": statistics.median(r["seconds"] for r in runs),
                "process_seconds": statistics.median(r["process_seconds"] for r in runs),
                "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
                "peak_one_mib": statistics.median(r["peak_one_mib"] for r in runs),
                "peak_pss_mib": statistics.median(r["peak_pss_mib"] for r in runs),
                "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                "context_seconds": statistics.median(r["context_seconds"] for r in runs),
                "load": max(r["load"] for r in runs),
                "timings": runs[len(runs) // 2]["timings"],
            }
            rows.append(row)
            target_s, target_mib = TARGETS.get(scenario, (None, None))
            verdict = []
            if target_s is not None:
                verdict.append(f"≤{target_s:g}s {'ok' if row['seconds'] <= target_s else 'MISSED'}")
            if target_mib is not None:
                ok = row["peak_rss_mib"] <= target_mib
                verdict.append(f"≤{target_mib} MiB {'ok' if ok else 'MISSED'}")
            print(
                f"{scenario:12s} {row['pages']:5d} pages  build {row['seconds']:6.2f} s  "
                f"process {row['process_seconds']:6.2f} s  peak RSS {row['peak_rss_mib']:6.0f} MiB "
                f"(PSS {row['peak_pss_mib']:4.0f}, largest process {row['peak_one_mib']:4.0f})  "
                f"{' '.join(verdict)}",
                flush=True,
            )
            steps = {k: v for k, v in row["timings"].items() if k != "total"}
            print(
                f"{'':12s} CPU {row['cpu_seconds']:.1f} s over the process tree; "
                f"context read from the database {row['context_seconds']:.2f} s; "
                f"machine load average up to {row['load']:.1f} on {os.cpu_count()} CPUs"
                + (f"; steps {steps}" if steps else ""),
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = {row["scenario"]: row for row in rows}
    if "bundle" in base and "baseline" in base:
        speedup = base["baseline"]["seconds"] / base["bundle"]["seconds"]
        print(
            f"bundle vs single-pass baseline: {speedup:.1f}x faster "
            f"(baseline lays out {base['baseline']['pages']} pages without the exhibit files)"
        )


if __name__ == "__main__":
    main()
