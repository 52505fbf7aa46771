"""Benchmark: one long report matched in one go and in bounded runs, in memory.

The report is synthetic sentences from bench_matcher's vocabulary (one in a
hundred a claim's text), against synthetic claims. The runs are what the
matching task does with REPORT_MATCH_SECONDS: scan until the deadline, carry
the hits to the next run as bytes, explain at the end. Prints one result line:
both timings, the runs' lengths, the bytes carried, and whether the flags are
the same.

    .venv/bin/python bench/bench_long_report.py [--claims 100000] [--megabytes 5.6] [--seconds 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_matcher import sentence, synthetic_record  # noqa: E402
from claims.matching import Hits, Matcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--megabytes", type=float, default=5.6)
    parser.add_argument("--seconds", type=float, default=20.0, help="each run's budget (REPORT_MATCH_SECONDS)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng, words, claims = synthetic_record(args.claims, args.seed)
    matcher = Matcher(claims)
    parts, size = [], 0
    while size < args.megabytes * 1_000_000:
        part = rng.choice(claims).text if rng.random() < 0.01 else sentence(rng, words, rng.randint(12, 30))
        parts.append(part)
        size += len(part) + 1
    text = " ".join(parts)
    matcher.match(claims[0].text)  # load the calibration outside the timing

    started, cpu = time.perf_counter(), time.process_time()
    whole = matcher.match(text)
    one_go, one_go_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    stored, start, runs, carried = None, 0, [], 0
    while True:
        run_started = time.perf_counter()
        scan = matcher.scan(text, start=start, until=time.monotonic() + args.seconds)
        table = Hits.from_bytes(stored).merge(scan.table()) if stored is not None else scan.table()
        start = scan.next
        if scan.done:
            pieces = matcher.explain(text, table.best(floor=matcher.thresholds.suggest), context=scan.context)
            runs.append(time.perf_counter() - run_started)
            break
        stored = table.to_bytes()
        carried = max(carried, len(stored))
        runs.append(time.perf_counter() - run_started)
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu

    same = [m.as_dict() for m in pieces] == [m.as_dict() for m in whole]
    print(
        f"bench_long_report: {len(text) / 1e6:.1f} MB, {scan.total} passages, {args.claims} claims; "
        f"one go {one_go:.1f}s wall ({one_go_cpu:.1f} CPU-s, {scan.total / one_go_cpu:.0f} passages per CPU-second); "
        f"{args.seconds:g} s runs: {len(runs)} of {', '.join(f'{r:.1f}' for r in runs)}s, "
        f"{total:.1f}s wall ({total_cpu:.1f} CPU-s), up to {carried / 1e6:.1f} MB carried between runs; "
        f"{len(whole)} flags, same in runs: {same}"
    )


if __name__ == "__main__":
    main()
