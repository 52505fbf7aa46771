"""``manage.py evaluate_stance``: the figures the README quotes, with floors."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from claims.models import Stance, StanceSuggestion


def _figures(*args) -> dict[str, float]:
    out = io.StringIO()
    call_command("evaluate_stance", *args, stdout=out)
    return {name: float(value) for name, value in (line.split() for line in out.getvalue().splitlines())}


def test_emergent_layout_is_read_and_scored(tmp_path):
    rows = [
        "id,claimHeadline,articleHeadline,articleHeadlineStance,articleId,claimId",
        "0,A comet hit the moon,Comet hits the moon,for,a1,c1",
        "1,A comet hit the moon,Comet moon impact story is a hoax,against,a2,c1",
        "2,A comet hit the moon,Did a comet hit the moon?,observing,a3,c1",
    ]
    path = tmp_path / "emergent.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    figures = _figures("emergent", str(path), "--split", "all")
    assert (figures["pairs"], figures["accuracy"], figures["macro_f1"]) == (3, 1.0, 1.0)


@pytest.mark.django_db
def test_the_seed_digests_curated_stances_are_suggested_and_nothing_is_left_behind(settings):
    settings.MATCHER_EMBEDDINGS = False
    figures = _figures("seed")
    assert figures["curated"] >= 15
    assert figures["reproduced"] >= 8
    assert figures["precision"] >= 0.5
    assert figures["suggestions_naming_the_reporting_outlet"] == 0
    assert not Stance.objects.exists() and not StanceSuggestion.objects.exists()  # rolled back
