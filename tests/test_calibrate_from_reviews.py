"""calibrate_matcher --from-reviews: researchers' accept/reject decisions on
flags choose the suggest and strong thresholds (the scorer weights stay)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims.matching import MATCHER_VERSION
from claims.matching.evaluation import LabelledScore, counts_at, reviewed_scores
from claims.matching.scorer import CALIBRATION_PATH
from claims.models import Flag
from tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

LEXICAL = f"{MATCHER_VERSION}+lexical"  # as claims.matcher_runtime.matcher_version stores it


def reviewed(scores, status, version=LEXICAL):
    return [
        FlagFactory(score=score, status=status, reviewed_at=timezone.now(), matcher_version=version) for score in scores
    ]


def calibrate(*args, output):
    out = io.StringIO()
    call_command("calibrate_matcher", "--mode", "lexical", "--from-reviews", *args, "--output", str(output), stdout=out)
    return out.getvalue()


@pytest.fixture
def shipped():
    """The shipped thresholds file, to check no test rewrites it."""
    before = CALIBRATION_PATH.read_bytes()
    yield json.loads(before)
    assert CALIBRATION_PATH.read_bytes() == before


def test_reviews_only_puts_both_thresholds_above_every_rejected_flag_when_they_separate(tmp_path, shipped):
    accepted = [0.6 + i * 0.015 for i in range(25)]
    rejected = [0.1 + i * 0.015 for i in range(25)]  # all below 0.5
    reviewed(accepted, Flag.Status.ACCEPTED)
    reviewed(rejected, Flag.Status.REJECTED)

    calibrate("--reviews-only", output=tmp_path / "thresholds.json")

    entry = json.loads((tmp_path / "thresholds.json").read_text())["lexical"]
    assert entry["strong"]["threshold"] > max(rejected)
    assert entry["suggest"]["threshold"] > max(rejected)
    assert entry["strong"]["threshold"] == pytest.approx(min(accepted))  # lowest: so every accepted flag is kept
    assert entry["strong"]["precision"] == 1.0 and entry["strong"]["recall"] == 1.0
    assert entry["matcher_version"] == MATCHER_VERSION
    assert entry["data"]["reviews"] == {
        "matcher_version": LEXICAL,
        "accepted": 25,
        "rejected": 25,
        "ignored_other_versions": 0,
    }
    # Only the thresholds are chosen again: the weights that scored the flags stay.
    assert entry["weights"] == shipped["lexical"]["weights"]
    assert entry["bias"] == shipped["lexical"]["bias"]
    assert "not refitted" in entry["fitted"]


def test_reviews_only_chooses_suggest_for_recall_and_strong_for_precision(tmp_path, shipped):
    reviewed([0.9] * 20 + [0.6] * 10 + [0.3] * 10, Flag.Status.ACCEPTED)
    reviewed([0.85] + [0.5] * 5 + [0.35] * 10 + [0.1] * 14, Flag.Status.REJECTED)

    out = calibrate("--reviews-only", output=tmp_path / "t.json")

    entry = json.loads((tmp_path / "t.json").read_text())["lexical"]
    # At 0.3: 40 accepted and 16 rejected flags, precision 40/56 >= 0.5.
    assert entry["suggest"]["threshold"] == 0.3
    assert (entry["suggest"]["precision"], entry["suggest"]["recall"], entry["suggest"]["flagged"]) == (
        round(40 / 56, 4),
        1.0,
        56,
    )
    # At 0.6: 30 accepted and the one rejected at 0.85, precision 30/31 >= 0.9; at 0.3 it is below.
    assert entry["strong"]["threshold"] == 0.6
    assert (entry["strong"]["precision"], entry["strong"]["recall"], entry["strong"]["flagged"]) == (
        round(30 / 31, 4),
        0.75,
        31,
    )
    assert (entry["data"]["positives"], entry["data"]["negatives"]) == (40, 30)
    assert "30 of 40 accepted and 1 of 30 rejected flags at or above it" in out
    assert "wrote lexical calibration" in out


def test_flags_of_another_matcher_version_or_mode_are_ignored_and_counted(tmp_path, shipped):
    reviewed([0.6 + i * 0.015 for i in range(20)], Flag.Status.ACCEPTED)
    reviewed([0.1 + i * 0.015 for i in range(20)], Flag.Status.REJECTED)
    # Were they counted, these would pull strong far up (rejected at high scores) ...
    reviewed([0.99] * 6, Flag.Status.REJECTED, version="2026.11-3+lexical")
    reviewed([0.95] * 4, Flag.Status.REJECTED, version=f"{MATCHER_VERSION}+semantic")
    # ... and these are not decisions at all.
    FlagFactory.create_batch(5, score=0.97, matcher_version=LEXICAL)

    out = calibrate("--reviews-only", output=tmp_path / "t.json")

    entry = json.loads((tmp_path / "t.json").read_text())["lexical"]
    assert entry["strong"]["threshold"] == pytest.approx(0.6)
    assert entry["strong"]["precision"] == 1.0
    assert entry["data"]["reviews"]["ignored_other_versions"] == 10
    assert (entry["data"]["reviews"]["accepted"], entry["data"]["reviews"]["rejected"]) == (20, 20)
    assert "ignored 10 reviewed flags" in out
    assert "2026.11-3+lexical: 6" in out and f"{MATCHER_VERSION}+semantic: 4" in out


def test_too_few_decisions_is_an_error_naming_the_counts(tmp_path, shipped):
    reviewed([0.8] * 25, Flag.Status.ACCEPTED)
    reviewed([0.2] * 5, Flag.Status.REJECTED)
    reviewed([0.2] * 30, Flag.Status.REJECTED, version="2026.11-3+lexical")  # other scale: no help
    output = tmp_path / "t.json"

    with pytest.raises(CommandError) as excinfo:
        calibrate("--reviews-only", output=output)

    message = str(excinfo.value)
    assert "25 accepted and 5 rejected" in message
    assert "at least 20 of each" in message
    assert "30 reviewed flags of other matcher versions ignored" in message
    assert not output.exists()


def test_min_reviews_sets_how_many_decisions_are_needed(tmp_path, shipped):
    reviewed([0.7, 0.8, 0.9], Flag.Status.ACCEPTED)
    reviewed([0.1, 0.2, 0.3], Flag.Status.REJECTED)
    with pytest.raises(CommandError, match="need at least 4 of each"):
        calibrate("--reviews-only", "--min-reviews", "4", output=tmp_path / "t.json")

    calibrate("--reviews-only", "--min-reviews", "3", output=tmp_path / "t.json")

    entry = json.loads((tmp_path / "t.json").read_text())["lexical"]
    assert entry["strong"]["threshold"] == 0.7 and entry["strong"]["flagged"] == 3


def test_other_modes_in_the_output_file_are_kept(tmp_path, shipped):
    output = tmp_path / "t.json"
    output.write_text(json.dumps({"semantic": shipped["semantic"]}))
    reviewed([0.6 + i * 0.01 for i in range(20)], Flag.Status.ACCEPTED)
    reviewed([0.1 + i * 0.01 for i in range(20)], Flag.Status.REJECTED)

    calibrate("--reviews-only", output=output)

    written = json.loads(output.read_text())
    assert written["semantic"] == shipped["semantic"]
    assert written["lexical"]["data"]["source"] == "reviews only"


def test_reviews_combine_with_the_eval_data(tmp_path, shipped):
    """Without --reviews-only, the eval set's labelled scores (here a tiny one,
    scored with the current scorer) and the reviews are pooled."""
    data = tmp_path / "data" / "tiny"
    data.mkdir(parents=True)
    topics = [
        ("chlorine barrel bombs dropped on Sarmin by helicopters", "helicopters dropped chlorine barrels on Sarmin"),
        ("sarin nerve agent attack on Khan Shaykhun", "nerve agent sarin killed people in Khan Shaykhun"),
        ("mustard gas shells fired at Marea", "shells carrying mustard gas hit Marea"),
        ("Douma cylinder found on a rooftop bed", "a gas cylinder lay on a bed in a Douma rooftop"),
        ("Ltamenah hospital struck with chlorine", "chlorine struck the hospital in Ltamenah"),
    ]
    (data / "claims.jsonl").write_text(
        "".join(json.dumps({"id": f"c{i}", "title": "", "text": claim}) + "\n" for i, (claim, _) in enumerate(topics))
    )
    (data / "train.queries.tsv").write_text("".join(f"q{i}\t{query}\n" for i, (_, query) in enumerate(topics)))
    (data / "train.qrels.tsv").write_text("".join(f"q{i} 0 c{i} 1\n" for i in range(len(topics))))
    reviewed([0.7] * 3, Flag.Status.ACCEPTED)
    reviewed([0.99] * 2, Flag.Status.REJECTED)
    reviewed([0.5] * 4, Flag.Status.REJECTED, version="old+lexical")
    output = tmp_path / "t.json"

    out = calibrate("--data", str(tmp_path / "data"), "--sets", "tiny", "--min-flagged", "1", output=output)

    entry = json.loads(output.read_text())["lexical"]
    eval_positives = 5
    assert entry["data"]["sets"] == ["tiny"]
    assert entry["data"]["reviews"]["accepted"] == 3 and entry["data"]["reviews"]["rejected"] == 2
    assert entry["data"]["reviews"]["ignored_other_versions"] == 4
    assert entry["data"]["positives"] == eval_positives + 3
    assert entry["data"]["negatives"] >= 2
    assert entry["weights"] == shipped["lexical"]["weights"]
    # The accepted reviews at 0.7 are the lowest positives: suggest comes down to them ...
    assert entry["suggest"]["threshold"] == 0.7
    # ... and the rejected ones at 0.99 push strong above them (the eval pairs are near-verbatim: scores > 0.99).
    assert entry["strong"]["threshold"] > 0.99 and entry["strong"]["precision"] == 1.0
    assert "lexical tiny: 5 positives" in out
    assert "ignored 4 reviewed flags" in out


def test_reviewed_scores_keeps_decisions_of_one_version():
    decisions = [("v+lexical", "accepted", 0.8), ("v+lexical", "rejected", 0.2), ("v+lexical", "new", 0.9)]
    decisions += [("u+lexical", "accepted", 0.5), ("v+semantic", "rejected", 0.4), ("v+semantic", "rejected", 0.3)]

    scores, ignored = reviewed_scores(decisions, "v+lexical")

    assert scores == [LabelledScore(0.8, True), LabelledScore(0.2, False)]
    assert ignored == {"u+lexical": 1, "v+semantic": 2}
    assert counts_at(scores, 0.2) == (1, 1) and counts_at(scores, 0.5) == (1, 0)
