"""Saves per second when 1, 8 and 32 signed-in people save at once, on SQLite (the embedded
default, ``make run``) and on PostgreSQL (the team deployment), against a served app.

Each backend gets a real instance (``tracker db upgrade``, ``demo``, ``user create``) served by
``tracker serve --with-worker`` on a free loopback port. Each person signs in through the login
form, then saves a fact and their demand item's status, alternately, until the run is over
(the same loop as tests/concurrency). A save counts when the app acknowledged it (302 or 200);
anything else is a failure, and there must be none. Figures are medians of ``--repeat`` runs.
The baseline, in the same run, is PostgreSQL on this machine.

    .venv/bin/python -m benchmarks.bench_saves [--seconds 5] [--repeat 3] [--clients 1,8,32]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres | --pg none]

The PostgreSQL URL defaults to TRACKER_TEST_DATABASE_URL, then to the local server above; a
database of this run's own is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.concurrency.served import run_load, served_app  # noqa: E402

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_database(server_url: str) -> str | None:
    """A fresh database of this run's own, or None when no server answers."""
    admin = make_url(server_url)
    name = f"tracker_bench_saves_{os.getpid()}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as err:  # noqa: BLE001 - no server: the benchmark says so and goes on
        print(f"PostgreSQL not reachable ({type(err).__name__}): SQLite only")
        return None
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_pg(server_url: str, url: str) -> None:
    engine = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _measure(backend: str, database_url: str | None, opts, work: Path) -> list[dict]:
    rows = []
    started = time.perf_counter()
    with served_app(work / backend, database_url, people=max(opts.clients)) as served:
        print(f"{backend}: instance ready and served in {time.perf_counter() - started:.0f} s")
        for clients in opts.clients:
            runs = []
            for _ in range(opts.repeat):
                outcome = run_load(served, opts.seconds, served.people[:clients], reads_every=0)
                latencies = sorted(outcome.latencies) or [0.0]
                runs.append(
                    {
                        "rate": outcome.saves / outcome.seconds,
                        "saves": outcome.saves,
                        "failed": len(outcome.failures),
                        "p50": latencies[len(latencies) // 2],
                        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
                    }
                )
            median = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]
            rows.append(
                {
                    "backend": backend,
                    "clients": clients,
                    "rate": statistics.median(r["rate"] for r in runs),
                    "rates": [r["rate"] for r in runs],
                    "failed": sum(r["failed"] for r in runs),
                    "p50": median["p50"],
                    "p95": median["p95"],
                }
            )
            print(
                f"  {clients:>2} clients: "
                + ", ".join(f"{r['rate']:.1f}" for r in runs)
                + f" saves/s, {rows[-1]['failed']} failed",
                flush=True,
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument(
        "--pg", default=os.environ.get("TRACKER_TEST_DATABASE_URL") or LOCAL_PG, help="or none"
    )
    opts = parser.parse_args()
    opts.clients = [int(c) for c in opts.clients.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-saves-"))
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        f"{opts.seconds:g} s runs, median of {opts.repeat}; each save is one POST "
        "(a fact, or a demand item's status), acknowledged by the app"
    )
    rows = []
    pg_url = None
    try:
        rows += _measure("sqlite", None, opts, work)
        if opts.pg != "none":
            pg_url = _pg_database(opts.pg)
            if pg_url:
                rows += _measure("postgresql", pg_url, opts, work)
    finally:
        if pg_url:
            _drop_pg(opts.pg, pg_url)
        shutil.rmtree(work, ignore_errors=True)

    baseline = {r["clients"]: r for r in rows if r["backend"] == "postgresql"}
    print(
        f"{'backend':<12}{'clients':>8}{'saves/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'failed':>8}{'× postgresql':>14}"
    )
    for r in rows:
        base = baseline.get(r["clients"])
        ratio = f"{r['rate'] / base['rate']:.2f}" if base and base["rate"] else "-"
        print(
            f"{r['backend']:<12}{r['clients']:>8}{r['rate']:>10.1f}{r['p50'] * 1000:>9.0f}"
            f"{r['p95'] * 1000:>9.0f}{r['failed']:>8}{ratio:>14}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    failed = sum(r["failed"] for r in rows)
    if failed:
        print(f"{failed} saves failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
