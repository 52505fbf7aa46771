"""Measure the stance suggester.

``evaluate_stance emergent CSV [--split dev|train|all]``: the position a
headline takes on its claim (``claims.matching.stance_voice.text_position``, the
suggester's reading of a text's own voice), as Emergent's labels; prints
``accuracy x`` and ``macro_f1 x``. The dev split is a quarter of the claims,
held out by their id (``claims.matching.stance_eval.dev_claim``).

``evaluate_stance seed``: the demo digest as the worker reads it. In one
transaction that is rolled back (the database is left as it was), the demo
is loaded, each of its articles matched as the worker matches it and its
flags stored, which suggests their stances; the suggestions are compared with
the demo's hand-curated stances on the same article and claim by actor and
position. Prints ``curated``, ``reproduced``, ``recall``, ``suggestions``,
``precision``, the speakers reproduced, and the suggestions naming the
report's own outlet (which must be 0).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims import matcher_runtime
from claims.demo.loader import demo_load
from claims.matching.stance_eval import evaluate_emergent, read_emergent
from claims.models import Report, Stance, StanceSuggestion
from claims.services import report_matching


class Command(BaseCommand):
    help = "Measure the stance suggester on Emergent (emergent CSV) or on the demo digest's curated stances (seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=["emergent", "seed"])
        parser.add_argument("csv", nargs="?", help="emergent: the CSV (train.csv's layout)")
        parser.add_argument("--split", choices=["dev", "train", "all"], default="dev")
        parser.add_argument("--verbose-rows", action="store_true", help="seed: print every suggestion")

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        if options["dataset"] == "emergent":
            if not options["csv"]:
                raise CommandError("Give the Emergent CSV.")
            figures = evaluate_emergent(read_emergent(str(options["csv"]), str(options["split"])))
        else:
            figures = self._seed(bool(options["verbose_rows"]))
        for name, value in figures.items():
            self.stdout.write(f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}")
        self.stdout.write(f"seconds {time.monotonic() - started:.1f}")

    def _seed(self, verbose: bool) -> dict[str, float | int]:
        with transaction.atomic():
            demo_load()
            articles = Report.objects.filter(submissions__channel="demo").exclude(text="").select_related("source")
            for report in articles:
                matched = matcher_runtime.match_report(report)
                report_matching.flags_store(
                    report=report, proposals=matched.proposals or [], matcher_version=matched.matcher_version
                )
            stances = list(Stance.objects.filter(report__in=articles))
            curated = {(s.report_id, s.claim_id, s.actor_id, s.position) for s in stances}
            speakers = {
                ((s.report_id, s.claim_id, s.actor_id, s.position), s.speaker_id) for s in stances if s.speaker_id
            }
            suggestions = list(
                StanceSuggestion.objects.filter(flag__report__in=articles).select_related(
                    "flag__report__source", "flag__claim", "actor"
                )
            )
            found = {(s.flag.report_id, s.flag.claim_id, s.actor_id, s.position) for s in suggestions}
            spoken = {
                ((s.flag.report_id, s.flag.claim_id, s.actor_id, s.position), s.speaker_id)
                for s in suggestions
                if s.speaker_id
            }
            right = [s for s in suggestions if (s.flag.report_id, s.flag.claim_id, s.actor_id, s.position) in curated]
            outlet = [s for s in suggestions if s.flag.report.source and s.actor_id == s.flag.report.source.actor_id]
            if verbose:
                for s in suggestions:
                    mark = "+" if s in right else "-"
                    self.stdout.write(
                        f"{mark} {s.flag.claim.title[:40]} | {s.actor} {s.position} | {s.speaker_text} | {s.quote[:70]}"
                    )
            transaction.set_rollback(True)
        reproduced = len(curated & found)
        return {
            "curated": len(curated),
            "reproduced": reproduced,
            "recall": reproduced / len(curated) if curated else 0.0,
            "suggestions": len(suggestions),
            "precision": len(right) / len(suggestions) if suggestions else 0.0,
            "speakers_curated": len(speakers),
            "speakers_reproduced": len(speakers & spoken),
            "suggestions_naming_the_reporting_outlet": len(outlet),
        }
