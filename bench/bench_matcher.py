"""Benchmark: passages matched per second per process against 100k claims.

Synthetic claims and reports are sentences drawn from the vocabulary of the
real evaluation claims (shared/eval; a built-in word list if absent). Prints
one result line: lexical passages/second and, when the semantic extra is
installed, the encoding rate (texts/second, one torch thread).

    .venv/bin/python bench/bench_matcher.py [--claims 100000] [--reports 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.matching import ClaimDoc, Matcher, MiniLMEncoder, semantic_available  # noqa: E402
from claims.matching.evaluation import load_claims  # noqa: E402
from claims.matching.text import split_passages  # noqa: E402

VOCAB_SOURCE = ROOT.parent / "shared" / "eval" / "retrieval" / "tweets-snopes" / "claims.jsonl"
FALLBACK = [
    "government",
    "forces",
    "attack",
    "chlorine",
    "city",
    "report",
    "council",
    "security",
    "rebels",
    "town",
    "village",
    "border",
    "troops",
    "claim",
    "investigation",
    "mission",
    "chemical",
    "weapons",
    "helicopter",
    "opposition",
    "statement",
    "minister",
    "spokesman",
    "evidence",
]


def vocabulary(rng: random.Random) -> list[str]:
    if VOCAB_SOURCE.exists():
        words = [w for doc in load_claims(VOCAB_SOURCE) for w in doc.text.split()]
        return words  # keeps the real word frequencies
    return FALLBACK


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def synthetic_claims(n: int, rng: random.Random, words: list[str]) -> list[ClaimDoc]:
    return [
        ClaimDoc(id=i, title=sentence(rng, words, rng.randint(4, 9)), text=sentence(rng, words, rng.randint(10, 25)))
        for i in range(n)
    ]


def synthetic_record(claims: int, seed: int) -> tuple[random.Random, list[str], list[ClaimDoc]]:
    """The seeded generator, the vocabulary and the synthetic claims the benchmarks share."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    return rng, words, synthetic_claims(claims, rng, words)


def synthetic_report(rng: random.Random, words: list[str], claims: list[ClaimDoc], sentences: int) -> str:
    body = [sentence(rng, words, rng.randint(12, 30)) for _ in range(sentences)]
    body[rng.randrange(sentences)] = rng.choice(claims).text  # each report bears on one claim
    return " ".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--sentences", type=int, default=20, help="sentences per report (~400 words)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng, words, claims = synthetic_record(args.claims, args.seed)
    reports = [synthetic_report(rng, words, claims, args.sentences) for _ in range(args.reports)]

    started = time.perf_counter()
    matcher = Matcher(claims)
    built = time.perf_counter() - started

    passages = sum(len(matcher.passages(r)) for r in reports)
    matcher.match(reports[0])  # load the calibration outside the timing
    started, cpu_started = time.perf_counter(), time.process_time()
    flagged = sum(len(matcher.match(r)) for r in reports)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time too: on a shared machine the wall clock also counts other processes.
    line = (
        f"bench_matcher: {args.claims} claims indexed in {built:.1f}s; lexical {passages / elapsed:.0f} passages/s "
        f"wall, {passages / cpu:.0f} per CPU-second ({args.reports} reports, {passages} passages, {flagged} flags)"
    )

    if semantic_available():
        encoder = MiniLMEncoder()
        texts = [p.text for r in reports[:20] for p in split_passages(r)][:256]
        encoder.encode(texts[:8])  # load the model outside the timing
        started = time.perf_counter()
        encoder.encode(texts)
        line += f"; encoding {len(texts) / (time.perf_counter() - started):.0f} texts/s (1 torch thread)"
    else:
        line += "; encoding n/a (semantic extra not installed)"
    print(line)


if __name__ == "__main__":
    main()
