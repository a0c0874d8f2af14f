"""Benchmark: reconcile two 1.3M-row user ledgers (UTF-8 and CP949) and audit 270K merchants.

Generates the ledgers in a temporary directory (the case's scale: about 1.3 million citizens
and 270,000 merchants), with the mess real exports have: ``원``, ``₩``/``￦``, thousands
separators, padding, negative amounts, unreadable amounts, keys repeated on several rows, keys
that lost their leading zeros, and keys present on one side only.

Each run is a fresh subprocess so that peak RSS (from ``os.wait4``) belongs to one engine.
The baseline does the same job with pandas: read both files as text, normalise the amounts
with vectorised string operations, group by key, outer-merge. Both engines must report the
same figures; the script checks that before printing.

    .venv/bin/python benchmarks/bench_reconcile.py [--rows 1300000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = {
    "key_left": "회원ID",
    "amount_left": "잔액",
    "key_right": "사용자ID",
    "amount_right": "잔액",
}


# --- data --------------------------------------------------------------------------------------


def _amount_text(value: int, rnd: random.Random) -> str:
    x = rnd.random()
    grouped = f"{value:,}"
    if x < 0.30:
        return grouped
    if x < 0.45:
        return grouped + "원"
    if x < 0.55:
        return "₩" + grouped
    if x < 0.65:
        return f"  {value} "
    if x < 0.9990:
        return str(value)
    return rnd.choice(["N/A", "", "미확인", "12.5", "-", "1,23,456", "#VALUE!"])


def _quote(text: str) -> str:
    return f'"{text}"' if "," in text else text


def generate_users(directory: Path, rows: int, seed: int = 2022) -> tuple[Path, Path]:
    """Write left.csv (한결원's view) and right.csv (비즈플레이's view) in UTF-8."""
    rnd = random.Random(seed)
    left_path, right_path = directory / "users_left.csv", directory / "users_right.csv"
    with (
        left_path.open("w", encoding="utf-8", newline="") as left,
        right_path.open("w", encoding="utf-8", newline="") as right,
    ):
        left.write("회원ID,성명,잔액,기준일\n")
        right.write("사용자ID,잔액,발행수수료,기준일\n")
        surnames = "김이박최정강조윤장임한오서신권황안송류홍"
        for i in range(rows):
            key = f"{i:010d}"
            balance = rnd.randrange(0, 500_000) if rnd.random() > 0.001 else -rnd.randrange(1, 9999)
            name = f"{rnd.choice(surnames)}{rnd.choice('민서지현우준영수')}{rnd.choice('호아진빈')}"
            r = rnd.random()
            if r < 0.0005:  # repeated key: the balance split over two rows on the left
                part = balance // 3
                left.write(f"{key},{name},{_quote(_amount_text(part, rnd))},2021-11-30\n")
                left.write(f"{key},{name},{_quote(_amount_text(balance - part, rnd))},2021-11-30\n")
            elif r < 0.0006:  # only on the left
                left.write(f"{key},{name},{_quote(_amount_text(balance, rnd))},2021-11-30\n")
                continue
            else:
                left.write(f"{key},{name},{_quote(_amount_text(balance, rnd))},2021-11-30\n")
            other = balance
            if rnd.random() < 0.01:  # the counterparties disagree
                other = balance + rnd.choice([-1, 1]) * rnd.randrange(1, 20_000)
            lost_zeros = rnd.random() < 0.00005  # Excel turned the key into a number
            right_key = (key.lstrip("0") or "0") if lost_zeros else key
            fee = _quote(f"{other // 100:,}")
            right.write(f"{right_key},{_quote(_amount_text(other, rnd))},{fee},2021-11-30\n")
            if rnd.random() < 0.0001:  # only on the right
                extra = f"9{i:09d}"
                right.write(
                    f"{extra},{_quote(_amount_text(rnd.randrange(1, 9999), rnd))},0,2021-11-30\n"
                )
    return left_path, right_path


def to_cp949(src: Path, dest: Path) -> Path:
    """Transcode as Korean Excel would save it: ₩ (absent from CP949) becomes ￦, CRLF."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with src.open("rb") as f, dest.open("wb") as out:
        while chunk := f.read(1 << 20):
            text = decoder.decode(chunk).replace("₩", "￦").replace("\n", "\r\n")
            out.write(text.encode("cp949"))
    return dest


def _brn(rnd: random.Random) -> str:
    digits = [rnd.randrange(10) for _ in range(9)]
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + digits[8] * 5 // 10
    check = (10 - total % 10) % 10
    if rnd.random() < 0.02:
        check = (check + 1) % 10
    text = "".join(map(str, digits)) + str(check)
    return f"{text[:3]}-{text[3:5]}-{text[5:]}" if rnd.random() < 0.7 else text


def generate_merchants(directory: Path, rows: int, seed: int = 270) -> Path:
    """Write merchants.csv (CP949, as delivered) with gaps and malformed identifiers."""
    rnd = random.Random(seed)
    path = directory / "merchants.csv"
    kinds = ["음식점", "소매", "카페", "미용", "학원", "병원", ""]
    with path.open("w", encoding="cp949", newline="") as out:
        out.write("가맹점ID,가맹점명,사업자등록번호,대표자명,주소,전화번호,업종\r\n")
        for i in range(rows):

            def gap(text: str, p: float = 0.03) -> str:
                return "" if rnd.random() < p else text

            phone = rnd.choice(
                [
                    f"02-{rnd.randrange(100, 9999)}-{rnd.randrange(1000, 9999)}",
                    f"010-{rnd.randrange(1000, 9999)}-{rnd.randrange(1000, 9999)}",
                    f"031{rnd.randrange(1000000, 9999999)}",
                    f"1588-{rnd.randrange(1000, 9999)}",
                    "000-0000",
                ]
            )
            fields = [
                f"M{i:07d}" if rnd.random() > 0.0005 else f"M{i - 1:07d}",
                gap(f"가게{i}"),
                gap(_brn(rnd), 0.05),
                gap(rnd.choice("김이박최정") + "대표"),
                gap(f"서울특별시 중구 세종대로 {i % 300}", 0.08),
                gap(phone, 0.1),
                rnd.choice(kinds),
            ]
            out.write(",".join(fields) + "\r\n")
    return path


# --- workers (each runs in its own process) ------------------------------------------------------


def work_ours(left: str, right: str, out: str) -> dict:
    from tracker.reconcile import open_ledger, reconcile

    start = time.perf_counter()
    with open_ledger(left) as lft, open_ledger(right) as rgt:
        result = reconcile(lft, rgt, out_dir=Path(out), **COLUMNS)
    return {"seconds": time.perf_counter() - start, "result": result.to_json()}


def work_audit(path: str, out: str) -> dict:
    from tracker.reconcile import open_ledger
    from tracker.reconcile.audit import audit

    start = time.perf_counter()
    with open_ledger(path) as ledger:
        report = audit(ledger, "merchants", out_dir=Path(out))
    return {"seconds": time.perf_counter() - start, "result": report.to_json()}


def work_pandas(left: str, right: str, out: str, encoding: str) -> dict:
    import pandas as pd

    start = time.perf_counter()
    # The shapes the generator writes (our engine reads many more).
    shape = r"^[ \t]*(?:-[₩￦]?|[₩￦]?-?)(?:[0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)원?[ \t]*$"

    def side(name: str, path: str, key: str, amount: str) -> tuple[pd.DataFrame, dict]:
        frame = pd.read_csv(
            path, encoding=encoding, dtype=str, keep_default_na=False, usecols=[key, amount]
        )
        frame.columns = ["key", "raw"]
        frame["key"] = frame["key"].str.strip()
        ok = frame["raw"].str.match(shape)
        digits = frame["raw"].str.replace(r"[^0-9-]", "", regex=True)
        frame["amt"] = pd.to_numeric(digits.where(ok), errors="coerce").astype("Int64")
        valid = frame[frame["amt"].notna() & (frame["key"] != "")]
        grouped = valid.groupby("key", sort=False)["amt"].agg(["sum", "size"])
        stats = {
            "rows": len(frame),
            "keys": len(grouped),
            "total": int(grouped["sum"].sum()),
            "invalid_rows": int(len(frame) - len(valid)),
            "duplicate_keys": int((grouped["size"] > 1).sum()),
        }
        frame[~frame.index.isin(valid.index)].to_csv(Path(out) / f"invalid_{name}.csv")
        return grouped, stats

    lg, ls = side("left", left, COLUMNS["key_left"], COLUMNS["amount_left"])
    rg, rs = side("right", right, COLUMNS["key_right"], COLUMNS["amount_right"])
    merged = lg.merge(rg, how="outer", left_index=True, right_index=True, indicator=True)
    both = merged[merged["_merge"] == "both"]
    diff = both["sum_x"] - both["sum_y"]
    mismatched = both[diff != 0].assign(difference=diff[diff != 0])
    mismatched = mismatched.sort_values("difference", key=abs, ascending=False)
    mismatched[["sum_x", "sum_y", "difference"]].to_csv(Path(out) / "differences.csv")
    result = {
        "left": ls,
        "right": rs,
        "only_left": int((merged["_merge"] == "left_only").sum()),
        "only_right": int((merged["_merge"] == "right_only").sum()),
        "matched": int((diff == 0).sum()),
        "mismatched": len(mismatched),
        "difference_total": int(mismatched["difference"].sum()),
    }
    return {"seconds": time.perf_counter() - start, "result": result}


def worker(argv: list[str]) -> None:
    kind, *args = argv
    fn = {"ours": work_ours, "pandas": work_pandas, "audit": work_audit}[kind]
    print(json.dumps(fn(*args), ensure_ascii=False))


# --- driver --------------------------------------------------------------------------------------


def measure(args: list[str]) -> dict:
    """Run one worker in a fresh interpreter: wall seconds, peak RSS, its own report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", *args], stdout=subprocess.PIPE, env=env
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed with status {proc.returncode}")
    report = json.loads(out)
    return {
        "wall": wall,
        "inner": report["seconds"],
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "result": report["result"],
    }


def bench(label: str, args: list[str], repeat: int) -> dict:
    runs = [measure(args) for _ in range(repeat)]
    results = {json.dumps(r["result"], sort_keys=True) for r in runs}
    if len(results) != 1:
        raise SystemExit(f"{label}: runs disagree")
    return {
        "label": label,
        "wall": statistics.median(r["wall"] for r in runs),
        "inner": statistics.median(r["inner"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "rss_mib": statistics.median(r["rss_mib"] for r in runs),
        "result": runs[0]["result"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument("--merchants", type=int, default=270_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep generated data in this directory")
    opts = parser.parse_args(argv)

    work = opts.keep or Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        left, right = generate_users(work, opts.rows)
        left_cp, right_cp = (
            to_cp949(left, work / "users_left_cp949.csv"),
            to_cp949(right, work / "users_right_cp949.csv"),
        )
        merchants = generate_merchants(work, opts.merchants)
        print(
            f"generated in {time.perf_counter() - t0:.1f}s: "
            f"{left.stat().st_size / 2**20:.0f} + {right.stat().st_size / 2**20:.0f} MiB UTF-8, "
            f"{merchants.stat().st_size / 2**20:.0f} MiB merchants (CP949); "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
            f"median of {opts.repeat}"
        )
        rows = []
        for enc, (lp, rp) in (("utf-8", (left, right)), ("cp949", (left_cp, right_cp))):
            out_ours, out_pd = work / f"out-ours-{enc}", work / f"out-pandas-{enc}"
            out_pd.mkdir(exist_ok=True)
            ours = bench(f"ours   {enc}", ["ours", str(lp), str(rp), str(out_ours)], opts.repeat)
            base = bench(
                f"pandas {enc}", ["pandas", str(lp), str(rp), str(out_pd), enc], opts.repeat
            )
            if ours["result"] != base["result"]:
                print(json.dumps({"ours": ours["result"], "pandas": base["result"]}, indent=1))
                raise SystemExit(f"{enc}: our figures and pandas' differ")
            rows += [(ours, base), (base, base)]
        audit_run = bench(
            "audit  merchants", ["audit", str(merchants), str(work / "out-audit")], opts.repeat
        )
        rows.append((audit_run, None))

        # wall: the whole subprocess (interpreter start included); in-proc: open + reconcile as
        # timed inside; cpu: user + system seconds, steadier than wall on a busy machine.
        print(
            f"{'engine':<18}{'wall s':>8}{'in-proc s':>11}{'cpu s':>8}{'peak MiB':>10}"
            f"{'wall × pandas':>15}{'MiB × pandas':>14}"
        )
        for run, base in rows:
            ratios = (
                (f"{run['wall'] / base['wall']:.2f}", f"{run['rss_mib'] / base['rss_mib']:.2f}")
                if base
                else ("-", "-")
            )
            print(
                f"{run['label']:<18}{run['wall']:>8.2f}{run['inner']:>11.2f}{run['cpu']:>8.2f}"
                f"{run['rss_mib']:>10.0f}{ratios[0]:>15}{ratios[1]:>14}"
            )
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        first = rows[0][0]["result"]
        print("figures (both engines agree):", json.dumps(first, ensure_ascii=False))
        print("audit:", json.dumps(audit_run["result"], ensure_ascii=False))
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
    else:
        main()
