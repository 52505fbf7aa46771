"""Measure the matcher on labelled retrieval data (shared/eval/README.md).

Builds an in-memory matcher exactly as the product does (claim title and text
as ClaimDoc, the same build_matcher and Matcher.rank) and never touches the
database. Prints MAP@1, MRR, Recall@20, queries/second, then MAP@5 last.
"""

from __future__ import annotations

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from claims.matching import BM25_ONLY, MATCHER_VERSION, Matcher, build_matcher
from claims.matching.evaluation import (
    evaluate,
    load_claims,
    load_qrels,
    load_queries,
    read_embedding_cache,
    write_embedding_cache,
)


class Command(BaseCommand):
    help = "Rank claims for labelled queries and print MAP@1, MRR, Recall@20, queries/second and MAP@5 (last)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--claims", required=True, help="claims .jsonl or .jsonl.gz")
        parser.add_argument("--queries", required=True, help="queries .tsv (id<TAB>text)")
        parser.add_argument("--qrels", required=True, help="TREC qrels")
        parser.add_argument(
            "--embeddings",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="semantic scoring on/off (default: on when the semantic extra is installed)",
        )
        parser.add_argument(
            "--bm25-only", action="store_true", help="baseline: rank by stage-1 BM25 alone (lexical, no scorer)"
        )
        parser.add_argument("--embedding-cache", help=".npz of claim vectors by content hash, read and updated")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        claims = load_claims(opts["claims"])
        queries = load_queries(opts["queries"])
        qrels = load_qrels(opts["qrels"])
        if not claims or not qrels:
            raise CommandError("no claims or no judged queries")
        if opts["bm25_only"]:
            matcher = Matcher(claims, scorer=BM25_ONLY)
            label = "bm25-only"
        else:
            try:
                matcher = build_matcher(
                    claims,
                    embeddings=opts["embeddings"],
                    claim_embeddings=read_embedding_cache(opts["embedding_cache"]),
                )
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            label = matcher.mode
            if opts["embedding_cache"] and matcher.new_embeddings:
                write_embedding_cache(opts["embedding_cache"], matcher.new_embeddings)
        built = time.perf_counter() - started
        self.stdout.write(f"matcher {MATCHER_VERSION} {label}: {len(claims)} claims indexed in {built:.1f}s")
        result = evaluate(matcher, queries, qrels)
        for line in result.lines():
            self.stdout.write(line)
