"""Calibrate the matcher from labelled data with negatives: fit the scorer's
weights, then choose its two thresholds.

Positives are the labelled (query, claim) pairs of the CheckThat! train splits;
negatives are the top-ranked non-relevant candidates for the same queries.
With --unmatched-negatives, also the top candidates of texts taken to match no
claim (each set's train queries run against the other sets' claims); that
labelling is noisy (political tweets do match PolitiFact claims), so it caps
measured precision near 0.84 and is off by default. For
each mode (lexical; semantic when the extra is installed) it fits the scorer
(logistic regression over the matcher's features), then, scoring every query
with the product's own ranking, picks the lowest score reaching
--suggest-precision (suggest: high recall) and the lowest reaching
--strong-precision (strong: high precision), prints precision and recall at
each, and writes weights, thresholds and how they were chosen into
claims/matching/thresholds.json. Never touches the database.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.matching import MATCHER_VERSION, build_matcher, semantic_available
from claims.matching.evaluation import (
    CachingEncoder,
    choose_threshold,
    evaluate,
    labelled_scores,
    load_claims,
    load_qrels,
    load_queries,
    precision_recall_at,
    read_embedding_cache,
    training_pairs,
    write_embedding_cache,
)
from claims.matching.index import BACKGROUND_PATH, write_background_df
from claims.matching.scorer import CALIBRATION_PATH, MODE_FEATURES, fit_scorer, write_calibration

DEFAULT_DATA = Path(settings.BASE_DIR).parent / "shared" / "eval" / "retrieval"
DEFAULT_SETS = ("tweets-snopes", "debates-politifact")


def _claims_file(folder: Path) -> Path:
    for name in ("claims.jsonl", "claims.jsonl.gz"):
        if (folder / name).exists():
            return folder / name
    raise CommandError(f"no claims.jsonl(.gz) in {folder}")


class Command(BaseCommand):
    help = "Choose the suggest and strong thresholds from labelled train data and write thresholds.json."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding the retrieval sets")
        parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS))
        parser.add_argument("--split", default="train", help="never dev or test: thresholds are tuned on train")
        parser.add_argument("--mode", choices=["lexical", "semantic", "both"], default="both")
        parser.add_argument("--suggest-precision", type=float, default=0.5)
        parser.add_argument(
            "--strong-precision",
            type=float,
            default=0.9,
            help="where no threshold reaches it, the threshold of highest precision is taken and marked so",
        )
        parser.add_argument("--negatives", type=int, default=20, help="top non-relevant candidates per query")
        parser.add_argument("--embedding-cache", help="folder of .npz claim-vector caches, one per set")
        parser.add_argument(
            "--unmatched-negatives",
            action="store_true",
            help="add each set's queries against the other sets' claims as texts matching nothing",
        )
        parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the logistic regression")
        parser.add_argument("--output", default=str(CALIBRATION_PATH))
        parser.add_argument(
            "--write-background",
            action="store_true",
            help="first rewrite the reference document frequencies (background_df.json.gz) from the sets' claims",
        )

    def handle(self, *args, **opts):
        if opts["split"] != "train":
            raise CommandError("calibrate on the train split only; dev is for reporting")
        modes = ["lexical", "semantic"] if opts["mode"] == "both" else [opts["mode"]]
        if "semantic" in modes and not semantic_available():
            if opts["mode"] == "semantic":
                raise CommandError("the semantic extra is not installed (requirements-semantic.txt)")
            self.stdout.write("semantic extra not installed: calibrating lexical only")
            modes.remove("semantic")
        data = Path(opts["data"])
        sets = []
        for name in opts["sets"]:
            folder = data / name
            sets.append(
                (
                    name,
                    load_claims(_claims_file(folder)),
                    load_queries(folder / f"{opts['split']}.queries.tsv"),
                    load_qrels(folder / f"{opts['split']}.qrels.tsv"),
                )
            )
        if opts["write_background"]:
            terms = write_background_df(claim for _, claims, _, _ in sets for claim in claims)
            self.stdout.write(f"wrote {terms} reference document frequencies to {BACKGROUND_PATH}")
        for mode in modes:
            matchers = [(name, self._matcher(name, claims, mode, opts), q, r) for name, claims, q, r in sets]
            self._calibrate(mode, matchers, opts)

    def _matcher(self, name, claims, mode, opts):
        cache = Path(opts["embedding_cache"]) / f"{name}.npz" if opts["embedding_cache"] else None
        matcher = build_matcher(
            claims, embeddings=mode == "semantic", claim_embeddings=read_embedding_cache(cache) if cache else None
        )
        if cache and matcher.new_embeddings:
            write_embedding_cache(cache, matcher.new_embeddings)
        if matcher.encoder is not None:
            matcher.encoder = CachingEncoder(matcher.encoder)
        return matcher

    def _calibrate(self, mode, matchers, opts):
        def others(name):
            if not opts["unmatched_negatives"]:
                return []
            return [text for other, _, q, _ in matchers if other != name for text in q.values()]

        pairs = [training_pairs(m, q, r, opts["negatives"], others(name)) for name, m, q, r in matchers]
        x = np.vstack([p[0] for p in pairs])
        y = np.concatenate([p[1] for p in pairs])
        scorer = fit_scorer(x, y, MODE_FEATURES[mode], l2=opts["l2"])
        self.stdout.write(
            f"{mode}: fitted on {int(y.sum())} positive and {int(len(y) - y.sum())} negative pairs: "
            f"{scorer.as_dict()} bias {scorer.bias:.3f}"
        )
        scores = []
        for name, matcher, queries, qrels in matchers:
            matcher.scorer = scorer
            self.stdout.write(f"{mode} {name} {opts['split']}: MAP@5 {evaluate(matcher, queries, qrels).map_at_5:.4f}")
            found = labelled_scores(matcher, queries, qrels, opts["negatives"], others(name))
            self.stdout.write(
                f"{mode} {name}: {sum(s.relevant for s in found)} positives, "
                f"{sum(not s.relevant for s in found)} negatives"
            )
            scores.extend(found)
        try:
            suggest = choose_threshold(scores, opts["suggest_precision"])
            strong = choose_threshold(scores, opts["strong_precision"])
        except ValueError as exc:
            raise CommandError(f"{mode}: {exc}") from exc
        curve = []
        for threshold in sorted({round(x / 20, 2) for x in range(1, 21)} | {suggest["threshold"], strong["threshold"]}):
            precision, recall, flagged = precision_recall_at(scores, threshold)
            curve.append(
                {
                    "threshold": threshold,
                    "precision": round(precision, 4),
                    "recall": round(recall, 4),
                    "flagged": flagged,
                }
            )
        entry = {
            "matcher_version": MATCHER_VERSION,
            "weights": {f: round(w, 6) for f, w in scorer.as_dict().items()},
            "bias": round(scorer.bias, 6),
            "fitted": f"logistic regression, L2 {opts['l2']}, on the pairs below",
            "suggest": suggest,
            "strong": strong,
            "data": {
                "sets": [name for name, *_ in matchers],
                "split": opts["split"],
                "positives": sum(s.relevant for s in scores),
                "negatives": sum(not s.relevant for s in scores),
                "negatives_rule": f"top {opts['negatives']} non-relevant claims ranked by the matcher per query"
                + (
                    "; queries of the other sets against each set's claims as matching nothing"
                    if opts["unmatched_negatives"]
                    else ""
                ),
            },
            "curve": curve,
        }
        write_calibration(mode, entry, opts["output"])
        for tier, chosen in (("suggest", suggest), ("strong", strong)):
            self.stdout.write(
                f"{mode} {tier}: threshold {chosen['threshold']:.4f} precision {chosen['precision']:.3f} "
                f"recall {chosen['recall']:.3f} ({chosen['rule']})"
            )
        self.stdout.write(f"wrote {mode} calibration to {opts['output']}")
