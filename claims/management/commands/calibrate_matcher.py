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
claims/matching/thresholds.json (or --output). Never touches the database,
except to read review decisions with --from-reviews.

With --domain FOLDER (a labelled archive in shared/eval/domain-syria's
layout: claims with incidents and perpetrators, actors, articles, labels),
it also fits the element scorer, which scores the claims the record gives
structure to (an incident or an alleged perpetrator): a logistic regression
over how much of the claim's proposition its best passage covers and how the report covers
the claim's elements (weapon, place, time, perpetrator; elements.py), on
every (report, candidate claim) pair of that archive, where most reports bear
on no claim. Its two thresholds are chosen there too (--domain-suggest-precision,
--domain-strong-precision). Only these few weights and thresholds are kept:
nothing of the archive's text. With --elements-only, the passage scorer and
its thresholds are kept as shipped and only the element scorer is refitted.

With --from-reviews, researchers' reviewed flags are labelled data too:
accepted flags are positives, rejected ones negatives, at the score stored on
the flag. Only flags scored by this MATCHER_VERSION and mode count (others'
scores are on another scale; they are counted and ignored). The weights are
then NOT refitted: the current calibrated scorer, the one the reviewed flags
were scored with, is kept, and only the two thresholds are chosen again, from
the CheckThat! scores and the reviews together or (--reviews-only) from the
reviews alone. Reviewed flags all scored at least the suggest threshold of
their time, so reviews measure precision above it, and their "recall" is over
reviewed flags only, not over matches the matcher never flagged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.matching import MATCHER_VERSION, CalibrationError, build_matcher, semantic_available
from claims.matching.elements import ELEMENT_FEATURES
from claims.matching.evaluation import (
    CachingEncoder,
    LabelledScore,
    choose_threshold,
    counts_at,
    element_training_rows,
    evaluate,
    labelled_scores,
    load_claims,
    load_domain,
    load_qrels,
    load_queries,
    precision_recall_at,
    read_embedding_cache,
    reviewed_scores,
    training_pairs,
    write_embedding_cache,
)
from claims.matching.index import BACKGROUND_PATH, write_background_df
from claims.matching.scorer import (
    CALIBRATION_PATH,
    MODE_FEATURES,
    ElementScorer,
    Scorer,
    Thresholds,
    fit_element_scorer,
    fit_scorer,
    load_scorer,
    load_thresholds,
    write_calibration,
)

DEFAULT_DATA = Path(settings.BASE_DIR).parent / "shared" / "eval" / "retrieval"
DEFAULT_SETS = ("tweets-snopes", "debates-politifact")
DEFAULT_MIN_FLAGGED = 50


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
        parser.add_argument(
            "--output",
            default=str(CALIBRATION_PATH),
            help="thresholds file to write (its other modes' entries are kept); default the shipped one",
        )
        parser.add_argument(
            "--from-reviews",
            action="store_true",
            help="also use reviewed flags (accepted = relevant, rejected = not) scored by this matcher version "
            "and mode; flags of other versions are ignored. Only the thresholds are chosen again: the scorer "
            "weights are NOT refitted from reviews (nor from the eval data): the current calibrated scorer, "
            "the one that scored the flags, is kept",
        )
        parser.add_argument(
            "--reviews-only",
            action="store_true",
            help="choose the thresholds from reviewed flags alone, without the eval data (implies --from-reviews)",
        )
        parser.add_argument(
            "--min-reviews",
            type=int,
            default=20,
            help="with --reviews-only: the accepted and the rejected flags needed, each",
        )
        parser.add_argument(
            "--min-flagged",
            type=int,
            help=f"fewest labelled pairs a chosen threshold must flag; default {DEFAULT_MIN_FLAGGED}, "
            "with --reviews-only --min-reviews",
        )
        parser.add_argument(
            "--domain",
            help="folder of a labelled archive (claims, actors, articles, labels): fit the element scorer on it",
        )
        parser.add_argument(
            "--elements-only",
            action="store_true",
            help="with --domain: keep the shipped passage scorer and thresholds, refit only the element scorer",
        )
        parser.add_argument("--domain-suggest-precision", type=float, default=0.65)
        parser.add_argument("--domain-strong-precision", type=float, default=0.9)
        parser.add_argument(
            "--domain-min-flagged",
            type=int,
            default=10,
            help="fewest labelled pairs a chosen element threshold must flag",
        )
        parser.add_argument(
            "--write-background",
            action="store_true",
            help="first rewrite the reference document frequencies (background_df.json.gz) from the sets' claims",
        )

    def handle(self, *args, **opts):
        if opts["split"] != "train":
            raise CommandError("calibrate on the train split only; dev is for reporting")
        modes = ["lexical", "semantic"] if opts["mode"] == "both" else [opts["mode"]]
        if opts["elements_only"]:
            if not opts["domain"]:
                raise CommandError("--elements-only needs --domain")
            if "semantic" in modes and not semantic_available():
                if opts["mode"] == "semantic":
                    raise CommandError("the semantic extra is not installed (requirements-semantic.txt)")
                modes.remove("semantic")
            for mode in modes:
                self._calibrate_elements_only(mode, opts)
            return
        if opts["reviews_only"]:
            if opts["write_background"]:
                raise CommandError("--write-background needs the eval data: not with --reviews-only")
            # No matching happens: the semantic extra is not needed.
            for mode in modes:
                self._calibrate_from_reviews_only(mode, opts)
            return
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
            if opts["from_reviews"]:
                self._calibrate_with_reviews(mode, matchers, opts)
            else:
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
        data = {
            "sets": [name for name, *_ in matchers],
            "split": opts["split"],
            "positives": sum(s.relevant for s in scores),
            "negatives": sum(not s.relevant for s in scores),
            "negatives_rule": self._negatives_rule(opts),
        }
        weights = {
            "weights": {f: round(w, 6) for f, w in scorer.as_dict().items()},
            "bias": round(scorer.bias, 6),
            "fitted": f"logistic regression, L2 {opts['l2']}, on the pairs below",
        }
        self._choose_and_write(mode, scores, [], weights, data, opts)

    @staticmethod
    def _negatives_rule(opts) -> str:
        return f"top {opts['negatives']} non-relevant claims ranked by the matcher per query" + (
            "; queries of the other sets against each set's claims as matching nothing"
            if opts["unmatched_negatives"]
            else ""
        )

    # --- review decisions -------------------------------------------------------------

    def _current_calibration(self, mode) -> tuple[dict, object]:
        """The calibration the product runs with (the shipped file): its weights
        scored the reviewed flags, so they are kept as they are."""
        try:
            scorer = load_scorer(mode, MATCHER_VERSION, CALIBRATION_PATH)
        except CalibrationError as exc:
            raise CommandError(f"{mode}: {exc}; reviews need the calibration that scored them") from exc
        entry = json.loads(CALIBRATION_PATH.read_text())[mode]
        kept = {
            "weights": entry["weights"],
            "bias": entry["bias"],
            "fitted": f"{entry.get('fitted', 'fitted')} (kept as shipped: not refitted from reviews)",
            "weights_data": entry.get("data", {}),
        }
        return kept, scorer

    def _reviews(self, mode) -> tuple[list[LabelledScore], dict]:
        from claims.models import Flag

        version = f"{MATCHER_VERSION}+{mode}"  # as claims.matcher_runtime.matcher_version stores it
        decisions = Flag.objects.filter(status__in=[Flag.Status.ACCEPTED, Flag.Status.REJECTED]).values_list(
            "matcher_version", "status", "score"
        )
        scores, ignored = reviewed_scores(decisions.iterator(), version)
        accepted = sum(s.relevant for s in scores)
        summary = {
            "matcher_version": version,
            "accepted": accepted,
            "rejected": len(scores) - accepted,
            "ignored_other_versions": sum(ignored.values()),
        }
        self.stdout.write(
            f"{mode} reviews of flags scored by {version}: "
            f"{summary['accepted']} accepted, {summary['rejected']} rejected"
        )
        if ignored:
            detail = ", ".join(f"{v or '(none)'}: {n}" for v, n in sorted(ignored.items()))
            self.stdout.write(
                f"{mode}: ignored {summary['ignored_other_versions']} reviewed flags scored by other "
                f"matcher versions or modes ({detail})"
            )
        return scores, summary

    def _calibrate_from_reviews_only(self, mode, opts):
        scores, summary = self._reviews(mode)
        needed = opts["min_reviews"]
        if summary["accepted"] < needed or summary["rejected"] < needed:
            raise CommandError(
                f"{mode}: too few review decisions for --reviews-only: {summary['accepted']} accepted and "
                f"{summary['rejected']} rejected flags scored by {summary['matcher_version']}, "
                f"need at least {needed} of each (--min-reviews); "
                f"{summary['ignored_other_versions']} reviewed flags of other matcher versions ignored"
            )
        kept, _ = self._current_calibration(mode)
        data = {
            "source": "reviews only",
            "reviews": summary,
            "positives": summary["accepted"],
            "negatives": summary["rejected"],
            "note": "reviewed flags all scored at least the suggest threshold of their time; "
            "recall is over reviewed flags only",
        }
        self._choose_and_write(mode, scores, scores, kept, data, opts, min_flagged=needed)

    def _calibrate_with_reviews(self, mode, matchers, opts):
        kept, scorer = self._current_calibration(mode)
        scores: list[LabelledScore] = []
        for name, matcher, queries, qrels in matchers:
            matcher.scorer = scorer
            others = (
                [text for other, _, q, _ in matchers if other != name for text in q.values()]
                if opts["unmatched_negatives"]
                else []
            )
            found = labelled_scores(matcher, queries, qrels, opts["negatives"], others)
            self.stdout.write(
                f"{mode} {name}: {sum(s.relevant for s in found)} positives, "
                f"{sum(not s.relevant for s in found)} negatives (current scorer)"
            )
            scores.extend(found)
        reviews, summary = self._reviews(mode)
        data = {
            "sets": [name for name, *_ in matchers],
            "split": opts["split"],
            "negatives_rule": self._negatives_rule(opts),
            "reviews": summary,
            "positives": sum(s.relevant for s in scores) + summary["accepted"],
            "negatives": sum(not s.relevant for s in scores) + summary["rejected"],
        }
        self._choose_and_write(mode, scores + reviews, reviews, kept, data, opts)

    # --- the element scorer (--domain) ----------------------------------------------------

    def _calibrate_elements_only(self, mode, opts):
        path = Path(opts["output"])
        try:
            scorer = load_scorer(mode, MATCHER_VERSION, path)
            thresholds = load_thresholds(mode, MATCHER_VERSION, path)
        except CalibrationError as exc:
            raise CommandError(f"{mode}: {exc}; --elements-only keeps the passage scorer, which must exist") from exc
        entry = json.loads(path.read_text())[mode]
        entry["elements"] = self._fit_elements(mode, scorer, thresholds, opts)
        write_calibration(mode, entry, path)
        self.stdout.write(f"wrote {mode} element scorer to {path}")

    @staticmethod
    def _shipped_elements(mode, opts) -> dict | None:
        """The element scorer already in the output file, kept when the passage
        scorer is refitted without --domain (its weights were fitted on
        scores of the same matcher version only)."""
        path = Path(opts["output"])
        if not path.exists():
            return None
        entry = json.loads(path.read_text()).get(mode) or {}
        return entry.get("elements") if entry.get("matcher_version") == MATCHER_VERSION else None

    def _fit_elements(self, mode, scorer: Scorer, thresholds: Thresholds, opts) -> dict:
        domain = load_domain(opts["domain"])
        matcher = build_matcher(
            domain.claims,
            domain.aliases,
            embeddings=mode == "semantic",
            scorer=scorer,
            thresholds=thresholds,
            actor_parents=domain.parents,
        )
        if matcher.encoder is not None:
            matcher.encoder = CachingEncoder(matcher.encoder)
        rows, y, gated = element_training_rows(matcher, domain)
        if not len(rows) or not y[~gated].sum():
            raise CommandError(f"{mode}: no labelled pair with its elements in {opts['domain']}")
        base, weights, bias = fit_element_scorer(rows[~gated], y[~gated], l2=opts["l2"])
        fitted = ElementScorer(base, tuple(weights[f] for f in ELEMENT_FEATURES), bias, Thresholds(1.0, 1.0))
        scores = [
            LabelledScore(fitted.score(r[0], r[1:]) * (1e-3 if g else 1.0), bool(label))
            for r, label, g in zip(rows, y, gated, strict=True)
        ]
        missed = int(y[gated].sum())
        self.stdout.write(
            f"{mode} elements: {int(y.sum())} relevant and {int(len(y) - y.sum())} other (report, claim) pairs; "
            f"{int(gated.sum())} lack a necessary element ({missed} of them relevant); "
            f"weights base {base:.3f} " + " ".join(f"{f} {w:.3f}" for f, w in weights.items()) + f" bias {bias:.3f}"
        )
        minimum = opts["domain_min_flagged"]
        try:
            suggest = choose_threshold(scores, opts["domain_suggest_precision"], minimum)
            strong = choose_threshold(scores, opts["domain_strong_precision"], minimum)
        except ValueError as exc:
            raise CommandError(f"{mode} elements: {exc}") from exc
        for tier, chosen in (("suggest", suggest), ("strong", strong)):
            self.stdout.write(
                f"{mode} elements {tier}: threshold {chosen['threshold']:.4f} precision {chosen['precision']:.3f} "
                f"recall {chosen['recall']:.3f} (flags {chosen['flagged']}) ({chosen['rule']})"
            )
        return {
            "base": round(base, 6),
            "weights": {f: round(w, 6) for f, w in weights.items()},
            "bias": round(bias, 6),
            "fitted": f"logistic regression, L2 {opts['l2']}, on the pairs below, those lacking a necessary "
            "element left out (never flagged)",
            "suggest": suggest,
            "strong": strong,
            "data": {
                "domain": Path(opts["domain"]).name,
                "positives": int(y.sum()),
                "negatives": int(len(y) - y.sum()),
                "lacking_an_element": int(gated.sum()),
                "pairs": "every report against every candidate claim with elements; one-annotator pairs left out",
            },
        }

    # --- choosing and writing -----------------------------------------------------------

    def _choose_and_write(self, mode, scores, reviews, weights: dict, data: dict, opts, min_flagged=None):
        """Choose suggest and strong on ``scores``, print them (and how the
        ``reviews`` among them fare at each), and write the mode's entry."""
        if min_flagged is None:
            min_flagged = DEFAULT_MIN_FLAGGED
        if opts["min_flagged"] is not None:
            min_flagged = opts["min_flagged"]
        try:
            suggest = choose_threshold(scores, opts["suggest_precision"], min_flagged)
            strong = choose_threshold(scores, opts["strong_precision"], min_flagged)
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
        entry = {"matcher_version": MATCHER_VERSION, **weights, "suggest": suggest, "strong": strong, "data": data}
        entry["curve"] = curve
        if opts.get("domain"):
            scorer = Scorer.from_dict(weights["weights"], weights["bias"])
            entry["elements"] = self._fit_elements(
                mode, scorer, Thresholds(suggest["threshold"], strong["threshold"]), opts
            )
        else:
            previous = self._shipped_elements(mode, opts)
            if previous:
                entry["elements"] = previous
        write_calibration(mode, entry, opts["output"])
        positives = sum(s.relevant for s in scores)
        for tier, chosen in (("suggest", suggest), ("strong", strong)):
            true_pos, false_pos = counts_at(scores, chosen["threshold"])
            self.stdout.write(
                f"{mode} {tier}: threshold {chosen['threshold']:.4f} precision {chosen['precision']:.3f} "
                f"recall {chosen['recall']:.3f} (flags {chosen['flagged']}: {true_pos} relevant, {false_pos} not; "
                f"{positives} relevant in all) ({chosen['rule']})"
            )
            if reviews:
                precision, recall, _ = precision_recall_at(reviews, chosen["threshold"])
                accepted, rejected = counts_at(reviews, chosen["threshold"])
                self.stdout.write(
                    f"{mode} {tier} on reviews: precision {precision:.3f} recall {recall:.3f} "
                    f"({accepted} of {sum(s.relevant for s in reviews)} accepted and "
                    f"{rejected} of {sum(not s.relevant for s in reviews)} rejected flags at or above it)"
                )
        self.stdout.write(f"wrote {mode} calibration to {opts['output']}")
