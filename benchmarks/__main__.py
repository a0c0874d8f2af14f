"""`make bench`: run every benchmark in turn; each prints its figures next to its baseline.

BENCH=vault,reconcile limits the set; BENCH_QUICK=1 runs the small sizes only.
"""

from __future__ import annotations

import importlib
import os
import sys

ALL = ("vault", "reconcile", "dossier")
QUICK_ARGS = {
    "vault": ["--size-mb", "256"],
    "reconcile": ["--rows", "200000"],
    "dossier": ["--quick"],
}


def main() -> int:
    chosen = [b for b in os.environ.get("BENCH", ",".join(ALL)).split(",") if b]
    quick = os.environ.get("BENCH_QUICK") == "1"
    failed = 0
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        argv = QUICK_ARGS.get(name, []) if quick else []
        try:
            result = module.main(argv)
        except SystemExit as exc:
            result = exc.code
        failed += 1 if result not in (None, 0) else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
