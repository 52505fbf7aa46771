"""Unit tests of the matcher library's parts: metrics, passages, aliases,
thresholds, the index and the lexical scorer. No database, no embeddings."""

import json
import time

import numpy as np
import pytest

from claims.matching import (
    MATCHER_VERSION,
    AliasEntry,
    ClaimDoc,
    ClaimMatch,
    Hits,
    Matcher,
    Thresholds,
    ThresholdsError,
    load_thresholds,
)
from claims.matching.aliases import AliasIndex
from claims.matching.evaluation import (
    LabelledScore,
    average_precision_at_k,
    choose_threshold,
    load_claims,
    load_qrels,
    load_queries,
    precision_recall_at,
    recall_at_k,
    reciprocal_rank,
    score_rankings,
)
from claims.matching.matcher import COSINE_BLOCK
from claims.matching.scorer import CALIBRATION_PATH, Scorer, fit_scorer, load_scorer, write_calibration
from claims.matching.text import analyze, clean_text, passage_windows, split_passages, split_sentences

# --- metrics -------------------------------------------------------------------------


def test_average_precision_at_k_divides_by_the_number_of_relevant_claims():
    # hits at ranks 1 and 3 of two relevant: (1/1 + 2/3) / 2
    assert average_precision_at_k(["a", "x", "b", "y"], {"a", "b"}, 5) == pytest.approx((1 + 2 / 3) / 2)
    # one of two relevant found, at rank 2: (1/2) / 2
    assert average_precision_at_k(["x", "a"], {"a", "b"}, 5) == pytest.approx(0.25)
    # a hit below k does not count
    assert average_precision_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert average_precision_at_k(["a"], {"a"}, 1) == 1.0


def test_reciprocal_rank_and_recall():
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], {"a"}) == 0.0
    assert recall_at_k(["a", "x", "b"], {"a", "b", "c"}, 2) == pytest.approx(1 / 3)


def test_score_rankings_means_over_judged_queries():
    rankings = {"q1": ["a", "b"], "q2": ["x", "c"], "unjudged": ["z"]}
    qrels = {"q1": {"a"}, "q2": {"c"}}
    result = score_rankings(rankings, qrels, seconds=1.0)
    assert result.queries == 2
    assert result.map_at_1 == pytest.approx(0.5)
    assert result.map_at_5 == pytest.approx((1 + 0.5) / 2)
    assert result.mrr == pytest.approx(0.75)
    assert result.recall_at_20 == 1.0
    assert result.lines()[-1] == "MAP@5 0.7500"


def test_loaders_read_the_checkthat_layout(tmp_path):
    import gzip

    rows = [{"id": "c1", "text": "Text one.", "title": "One"}, {"id": "c2", "text": "Text two.", "title": ""}]
    plain = tmp_path / "claims.jsonl"
    plain.write_text("".join(json.dumps(r) + "\n" for r in rows))
    packed = tmp_path / "claims.jsonl.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write(plain.read_text())
    assert (
        load_claims(plain)
        == load_claims(packed)
        == [
            ClaimDoc(id="c1", title="One", text="Text one."),
            ClaimDoc(id="c2", title="", text="Text two."),
        ]
    )
    (tmp_path / "q.tsv").write_text("q1\tsome text\twith a tab\nq2\tother\n")
    assert load_queries(tmp_path / "q.tsv") == {"q1": "some text\twith a tab", "q2": "other"}
    (tmp_path / "qrels.tsv").write_text("q1\t0\tc1\t1\nq1\t0\tc2\t1\nq2 0 c2 0\n")
    assert load_qrels(tmp_path / "qrels.tsv") == {"q1": {"c1", "c2"}}


# --- text ------------------------------------------------------------------------------


def test_clean_text_drops_links_and_splits_hashtags_and_handles():
    cleaned = clean_text("Wombats saved them #AustralianFires pic.twitter.com/0eJ https://t.co/x @CenterForBioDiv")
    assert "http" not in cleaned and "pic.twitter" not in cleaned
    assert "Australian Fires" in cleaned and "Center For Bio Div" in cleaned


def test_analyze_stems_and_drops_stopwords():
    assert analyze("The attacks were carried out") == analyze("attack carried out") == ["attack", "carri"]


def test_sentences_keep_offsets_and_do_not_split_after_abbreviations():
    text = "The U.S. accused Damascus. Gen. Smith said so! Then\nanother line"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["The U.S. accused Damascus.", "Gen. Smith said so!", "Then", "another line"]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_short_text_is_one_passage_long_text_is_windows():
    assert len(split_passages("One sentence. Another one.", max_words=60)) == 1
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(10))
    passages = split_passages(text, max_words=14)
    assert len(passages) == 9  # windows of two sentences, one starting at each sentence but the last
    assert all(text[p.start : p.end] == p.text for p in passages)
    assert passages[0].text.count(".") == 2


def test_overlong_sentence_is_cut_into_chunks():
    text = " ".join(["word"] * 130)
    passages = split_passages(text, max_words=60)
    assert [len(p.text.split()) for p in passages] == [60, 60, 10]


def test_a_passage_is_analysed_as_its_units_are():
    # The matcher analyses each sentence once and joins the terms of a window's
    # sentences: that must be what analysing the window's text gives.
    text = (
        "The U.S. accused Damascus of a chlorine attack.\n\nGen. Smith said so! See https://example.org/x "
        "and #AustralianFires @JohnDoe.   Ｆｕｌｌｗｉｄｔｈ café “quotes” — dashes… "
        + " ".join(["word"] * 70)
        + " end."
    )
    passages, units, spans = passage_windows(text, max_words=20)
    assert passages == split_passages(text, max_words=20)
    for passage, span in zip(passages, spans, strict=True):
        assert text[units[span[0]].start : units[span[-1]].end] == passage.text
        assert [t for u in span for t in analyze(units[u].text)] == analyze(passage.text)


# --- aliases ---------------------------------------------------------------------------

ALIASES = [
    AliasEntry("gov", "Syrian government"),
    AliasEntry("gov", "Assad government"),
    AliasEntry("gov", "Damascus", ambiguous=True),
    AliasEntry("is", "Islamic State"),
    AliasEntry("is", "IS", ambiguous=True),
    AliasEntry("us", "U.S.", ambiguous=True),
    AliasEntry("us", "United States"),
]


def _found(text):
    return [(m.actor_id, m.alias) for m in AliasIndex(ALIASES).find(text)]


def test_aliases_resolve_whatever_the_case_accents_and_dots():
    assert _found("the ASSAD GOVERNMENT and the United States") == [
        ("gov", "ASSAD GOVERNMENT"),
        ("us", "United States"),
    ]


def test_ambiguous_alias_counts_only_as_speaker_or_agent():
    assert _found("a charge that Damascus denies") == [("gov", "Damascus")]
    assert _found("Damascus has repeatedly rejected the report") == [("gov", "Damascus")]
    assert _found("focused on capturing Damascus and ousting the regime") == []
    assert _found("talks in Damascus on Monday") == []


def test_capitalised_alias_matches_only_in_capitals():
    assert _found("IS fighters attacked; it is said IS claimed the attack") == [("is", "IS")]
    assert _found("between us and them") == []
    assert _found("The U.S. said it would respond") == [("us", "U.S.")]


def test_longest_alias_wins():
    index = AliasIndex([AliasEntry("a", "Islamic State"), AliasEntry("b", "Islamic State of Iraq")])
    assert [(m.actor_id, m.alias) for m in index.find("Islamic State of Iraq fighters")] == [
        ("b", "Islamic State of Iraq")
    ]


# --- thresholds ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["lexical", "semantic"])
def test_a_calibration_ships_for_each_mode(mode):
    thresholds = load_thresholds(mode, MATCHER_VERSION)
    assert 0 < thresholds.suggest < thresholds.strong < 1
    entry = json.loads(CALIBRATION_PATH.read_text())[mode]
    assert entry["suggest"]["precision"] >= 0.5
    assert entry["strong"]["precision"] >= 0.9 or "not reached" in entry["strong"]["rule"]
    assert entry["strong"]["precision"] > entry["suggest"]["precision"]
    assert entry["suggest"]["recall"] > entry["strong"]["recall"]
    assert entry["data"]["negatives"] > 0 and entry["data"]["split"] == "train"
    scorer = load_scorer(mode, MATCHER_VERSION)
    assert scorer.as_dict() == pytest.approx(entry["weights"])
    assert ("cosine" in scorer.as_dict()) == (mode == "semantic")


def test_thresholds_refuse_another_matcher_version(tmp_path):
    path = tmp_path / "thresholds.json"
    entry = {"matcher_version": "old", "weights": {"bm25": 1.0}, "bias": 0.0}
    write_calibration("lexical", {**entry, "suggest": {"threshold": 0.1}, "strong": {"threshold": 0.2}}, path)
    with pytest.raises(ThresholdsError, match="old"):
        load_thresholds("lexical", MATCHER_VERSION, path)
    with pytest.raises(ThresholdsError, match="semantic"):
        load_thresholds("semantic", MATCHER_VERSION, path)
    with pytest.raises(ThresholdsError, match="missing"):
        load_thresholds("lexical", MATCHER_VERSION, tmp_path / "nope.json")
    assert load_thresholds("lexical", "old", path) == Thresholds(0.1, 0.2)


def test_fit_scorer_learns_which_feature_separates():
    import numpy as np

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400).astype(float)
    x = np.zeros((400, 7))
    x[:, 1] = y + rng.normal(0, 0.3, 400)  # claim_coverage carries the label
    x[:, 0] = rng.normal(0, 1, 400)  # bm25 is noise
    scorer = fit_scorer(x, y, ["bm25", "claim_coverage"])
    weights = scorer.as_dict()
    assert weights["claim_coverage"] > 3 > abs(weights["bm25"]) * 5
    assert ((scorer.score(x) > 0.5) == (y > 0.5)).mean() > 0.9
    assert Scorer.from_dict(weights, scorer.bias) == scorer


def test_tiers():
    thresholds = Thresholds(suggest=0.3, strong=0.6)
    assert [thresholds.tier(s) for s in (0.1, 0.3, 0.59, 0.6)] == [None, "suggested", "suggested", "strong"]


def test_choose_threshold_takes_the_lowest_score_reaching_the_precision():
    scores = [
        LabelledScore(s, r)
        for s, r in [(0.9, True), (0.8, True), (0.7, False), (0.6, True), (0.5, False), (0.2, False)]
    ]
    assert precision_recall_at(scores, 0.6) == (0.75, 1.0, 4)
    assert choose_threshold(scores, 0.9, min_flagged=1)["threshold"] == 0.8
    # 0.8 and above flag fewer than 3 pairs: the best precision over 3+ is taken, and said so
    fallback = choose_threshold(scores, 0.9, min_flagged=3)
    assert (fallback["threshold"], fallback["precision"]) == (0.6, 0.75)
    assert "not reached" in fallback["rule"]
    chosen = choose_threshold(scores, 0.5, min_flagged=1)
    assert (chosen["threshold"], chosen["precision"], chosen["recall"]) == (0.6, 0.75, 1.0)


# --- the lexical matcher -----------------------------------------------------------------

CLAIMS = [
    ClaimDoc(1, "Chlorine attacks by the government", "The Syrian government carried out chlorine attacks.", ("gov",)),
    ClaimDoc(2, "Wombats shelter animals", "Wombats let other animals shelter in their burrows during fires."),
    ClaimDoc(3, "Hassakeh attacked", "Islamic State fighters attacked the city of Hassakeh."),
]


def test_rank_finds_the_claim_and_explains_it():
    matcher = Matcher(CLAIMS, ALIASES, thresholds=Thresholds(0.01, 0.5))
    [best, *_] = matcher.rank("Activists said the Assad government used chlorine again. Nothing else happened.")
    assert best.claim_id == 1
    assert best.tier in ("suggested", "strong")
    assert best.passages[0]["text"].startswith("Activists said")
    assert {"chlorine", "government"} <= set(best.terms)
    assert best.actors == [{"actor_id": "gov", "alias": "Assad government", "start": 19}]


def test_a_long_document_that_mentions_a_claim_once_still_finds_it():
    filler = " ".join(f"Delegates discussed item {i} of the agenda at length." for i in range(200))
    text = filler + " Wombats sheltered other animals in burrows during the fires. " + filler
    [best] = Matcher(CLAIMS).match(text)  # the calibrated scorer and thresholds
    assert best.claim_id == 2
    passage = best.passages[0]
    assert passage["text"] == text[passage["start"] : passage["end"]]
    assert "Wombats sheltered" in passage["text"]
    assert len(passage["text"].split()) <= 60


def test_claim_ids_restrict_scoring_to_those_claims():
    matcher = Matcher(CLAIMS, thresholds=Thresholds(0.0, 1.0))
    assert [m.claim_id for m in matcher.rank("chlorine wombats Hassakeh", claim_ids=[3])] == [3]


def test_empty_text_and_empty_index_match_nothing():
    assert Matcher(CLAIMS, thresholds=Thresholds(0.1, 0.2)).match("   ") == []
    assert Matcher([], thresholds=Thresholds(0.1, 0.2)).match("anything at all") == []


# --- matching a long text in pieces ------------------------------------------------------------


def _long_text() -> str:
    filler = [f"Delegates discussed item {i} of the agenda at length." for i in range(150)]
    filler[20] = "Activists said the Assad government used chlorine again near Sarmin."
    filler[90] = "Wombats sheltered other animals in burrows during the fires."
    filler[130] = "The government denied the chlorine attacks, and Islamic State fighters attacked Hassakeh."
    return " ".join(filler)


def _in_pieces(matcher: Matcher, text: str) -> tuple[list[ClaimMatch], int]:
    """Scan with a deadline already passed (one block of passages per scan),
    keeping the hits as bytes between pieces as the task does, then explain."""
    stored, start, pieces = None, 0, 0
    while True:
        scan = matcher.scan(text, start=start, until=0.0)
        assert scan.next > start  # every scan gets on, however little time it had
        table = Hits.from_bytes(stored).merge(scan.table()) if stored is not None else scan.table()
        stored, start, pieces = table.to_bytes(), scan.next, pieces + 1
        if scan.done:
            return matcher.explain(text, table.best(floor=matcher.thresholds.suggest)), pieces


@pytest.mark.parametrize("aliases", [[], ALIASES])
def test_a_long_text_matched_in_pieces_gets_exactly_the_matches_of_one_go(aliases):
    matcher = Matcher(CLAIMS, aliases, thresholds=Thresholds(0.05, 0.5))
    text = _long_text()
    whole = matcher.match(text)
    pieces, count = _in_pieces(matcher, text)
    assert count == -(-len(matcher.passages(text)) // COSINE_BLOCK) > 3
    assert {m.claim_id for m in whole} == {1, 2, 3}
    assert [m.as_dict() for m in pieces] == [m.as_dict() for m in whole]


def test_a_scan_stops_at_its_deadline_after_whole_blocks_and_without_one_scans_all():
    matcher = Matcher(CLAIMS, thresholds=Thresholds(0.05, 0.5))
    text = _long_text()
    total = len(matcher.passages(text))
    assert matcher.scan(text, until=0.0).next == COSINE_BLOCK  # at least one block, then the clock is looked at
    assert matcher.scan(text, start=COSINE_BLOCK, until=0.0).next == 2 * COSINE_BLOCK
    rest = matcher.scan(text, start=total - 3, until=0.0)
    assert (rest.next, rest.total, rest.done) == (total, total, True)
    whole = matcher.scan(text, until=time.monotonic() + 60)
    assert whole.done and whole.best() == matcher.scan(text).best()


def _hits(rows: list[tuple[int, float, int, int]]) -> Hits:
    return Hits.of(np.array(rows, dtype=Hits.ROW))


def test_merging_hits_keeps_each_claims_best_passages_and_counts_a_passage_once():
    first = _hits([(1, 0.9, 0, 10), (1, 0.2, 50, 60), (2, 0.4, 0, 10)])
    second = _hits([(1, 0.5, 100, 110), (1, 0.5, 90, 95), (1, 0.1, 120, 130), (3, 0.3, 90, 95)])
    merged = first.merge(second)
    expected = {1: [(0.9, 0, 10), (0.5, 90, 95), (0.5, 100, 110)], 2: [(0.4, 0, 10)], 3: [(0.3, 90, 95)]}
    assert merged.best() == expected
    assert merged.best(floor=0.35) == {1: expected[1], 2: expected[2]}
    assert merged.merge(second).best() == expected  # a piece merged twice (a re-run) changes nothing
    assert Hits.from_bytes(memoryview(merged.to_bytes())).best() == expected  # as PostgreSQL hands it back


def test_a_scan_of_claims_with_text_ids_is_not_stored_in_pieces():
    with pytest.raises(TypeError, match="integer claim ids"):
        Matcher([ClaimDoc("c1", "Wombats", "Wombats shelter animals.")]).scan("Wombats shelter animals.").table()


def test_explaining_hits_leaves_out_a_claim_the_matcher_no_longer_has():
    matcher = Matcher(CLAIMS, ALIASES, thresholds=Thresholds(0.05, 0.5))
    text = _long_text()
    hits = matcher.scan(text).best()
    assert [m.claim_id for m in matcher.explain(text, {**hits, 99: [(0.99, 0, 10)]})] == [
        m.claim_id for m in matcher.match(text)
    ]


def test_a_long_text_matched_in_pieces_is_split_into_passages_once(monkeypatch):
    from claims.matching import matcher as matcher_module

    calls = []
    split = matcher_module.passage_windows
    monkeypatch.setattr(matcher_module, "passage_windows", lambda *a: calls.append(1) or split(*a))
    monkeypatch.setattr(matcher_module, "_long_windows", {})
    matcher = Matcher(CLAIMS, thresholds=Thresholds(0.05, 0.5))
    text = _long_text() * 60  # over LONG_TEXT characters
    assert len(text) > matcher_module.LONG_TEXT
    first = matcher.scan(text, until=0.0)
    matcher.scan(text, start=first.next, until=0.0)
    matcher.scan("A short report about chlorine.")
    matcher.scan(text, start=first.next, until=0.0)
    assert len(calls) == 2  # the long text once, the short one once


def test_a_definite_description_stands_for_itself_with_a_name_or_adjective():
    index = AliasIndex([AliasEntry("gov", "Ruritanian government"), AliasEntry("gov", "the regime")])

    def found(text):
        return [(m.actor_id, m.alias) for m in index.find(text)]

    assert found("the Assad regime fired rockets") == [("gov", "the Assad regime")]
    assert found("Assad's regime denied it") == [("gov", "Assad's regime")]
    assert found("the criminal regime used gas") == [("gov", "the criminal regime")]
    assert found("the Turkish regime said") == []  # another country's
    assert found("a regime change") == []


def test_a_country_named_as_agent_is_the_government_named_after_it():
    index = AliasIndex([AliasEntry("gov", "Ruritanian government"), AliasEntry("sy", "Syrian government")])
    assert [(m.actor_id, m.alias) for m in index.find("Syria denies using chemical weapons")] == [("sy", "Syria")]
    assert index.find("fighting in Syria") == []
