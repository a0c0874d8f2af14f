"""`make bench`: run every benchmark in turn, each in its own process; each prints its figures
next to a baseline measured in the same run.

BENCH=vault,reconcile picks a subset; BENCH_QUICK=1 runs small sizes (a smoke run).
"""

from __future__ import annotations

import os
import subprocess
import sys

ALL = ("vault", "reconcile", "dossier", "saves")
QUICK_ARGS = {
    "vault": ["--size-mb", "256", "--runs", "1"],
    "reconcile": ["--rows", "200000", "--merchants", "50000", "--repeat", "1"],
    "dossier": ["--repeat", "1", "--only", "bundle,baseline"],
    "saves": ["--seconds", "2", "--repeat", "1"],
}


def main() -> int:
    chosen = [b for b in os.environ.get("BENCH", ",".join(ALL)).split(",") if b]
    quick = os.environ.get("BENCH_QUICK") == "1"
    failed = []
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        argv = QUICK_ARGS.get(name, []) if quick else []
        code = subprocess.call([sys.executable, "-m", f"benchmarks.bench_{name}", *argv])
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
