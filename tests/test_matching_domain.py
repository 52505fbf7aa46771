"""The matcher on the demo domain: the 2015 Syria digest against claims and
aliases that mirror the demo record (built here, no database), with the
calibrated scorer and thresholds the product uses."""

from pathlib import Path

import pytest

from claims.matching import AliasEntry, ClaimDoc, Matcher, MiniLMEncoder, semantic_available
from claims.matching.aliases import AliasIndex
from claims.matching.index import core_terms
from claims.matching.text import analyze

DIGEST = Path(__file__).resolve().parents[2] / "shared" / "seed" / "digest-2015.txt"
HEADLINES = (
    "Al-Qaida Chief Says ISIS Caliphate Is ‘Illegitimate’",
    "Syrian Troops Repel Islamic State Attack in Northeastern Syria",
    "Russia Backs Efforts to Assign Blame for Chlorine Attacks in Syria",
)

# actor id -> (aliases, ambiguous aliases), as in the demo record
ACTORS = {
    "syrian-government": (
        ["Syrian government", "the regime", "Syrian regime", "Assad government", "Syrian Arab Republic"],
        ["Damascus"],
    ),
    "syrian-armed-forces": (["Syrian Arab Armed Forces", "Syrian military", "Syrian troops"], []),
    "assad": (["Bashar al-Assad", "Assad", "President Bashar al-Assad", "Bashar Assad"], []),
    "united-states": (["United States", "USA", "United States of America"], ["U.S."]),
    "france": (["France"], []),
    "united-kingdom": (["United Kingdom", "Britain", "UK"], []),
    "russia": (["Russia", "Russian Federation"], []),
    "churkin": (["Vitaly Churkin", "Churkin"], []),
    "opcw": (["OPCW", "Organization for the Prohibition of Chemical Weapons"], []),
    "islamic-state": (["Islamic State", "ISIS", "ISIL", "Daesh"], ["IS"]),
    "al-qaida": (["al-Qaida", "al-Qaeda", "Al Qaeda"], []),
    "zawahiri": (["Ayman al-Zawahiri", "Zawahiri"], []),
    "nusra": (["Jabhat al-Nusra", "al-Nusra Front", "Nusra Front", "Nusra"], []),
    "jolani": (["Abu Mohammed al-Jolani", "Jolani"], []),
    "hezbollah": (["Hezbollah"], []),
    "ypg": (["YPG"], []),
    "sohr": (["Syrian Observatory for Human Rights"], []),
}
ALIASES = [
    AliasEntry(actor, name, ambiguous=ambiguous)
    for actor, (plain, unclear) in ACTORS.items()
    for names, ambiguous in ((plain, False), (unclear, True))
    for name in names
]


def _claim(key, title, text, actors=(), incidents=()):
    names = tuple(n for a in actors for n in ACTORS[a][0] + ACTORS[a][1])
    return ClaimDoc(key, title, text, tuple(actors), names, tuple(incidents))


# Actors: the alleged perpetrator and those holding stances in the demo record.
CLAIMS = [
    _claim(
        "chlorine-attribution",
        "Chlorine attacks in Syria in 2015 were carried out by the Syrian government",
        "The chlorine attacks reported in Syria in 2015 were carried out by the Syrian government's forces.",
        ["syrian-government", "united-states", "france", "united-kingdom", "russia", "opcw"],
        ["Chlorine attacks in Syria, 2015"],
    ),
    _claim(
        "chlorine-used",
        "Chlorine was used in attacks in Syria",
        "Chlorine gas has been used as a weapon in attacks in Syria.",
        ["opcw"],
        ["Chlorine attacks in Syria, 2015"],
    ),
    _claim(
        "caliphate-illegitimate",
        "The Islamic State's self-proclaimed caliphate is illegitimate",
        "The caliphate the Islamic State proclaimed in June 2014 is illegitimate under Islamic law.",
        ["nusra"],
    ),
    _claim(
        "nusra-zawahiri",
        "Jabhat al-Nusra takes orders from al-Qaida chief Ayman al-Zawahiri",
        "Jabhat al-Nusra takes its orders from al-Qaida's leader Ayman al-Zawahiri.",
        ["nusra"],
    ),
    _claim(
        "hassakeh-attack",
        "The Islamic State attacked the city of Hassakeh",
        "Islamic State fighters attacked government-held areas of the city of Hassakeh in northeastern Syria "
        "in early June 2015.",
        ["ypg", "sohr"],
        ["Islamic State attack on Hassakeh city"],
    ),
    _claim(
        "arsal-hilltops",
        "Hezbollah seized hilltops near Arsal",
        "Hezbollah fighters seized three hilltops east of the Lebanese town of Arsal.",
        ["hezbollah"],
        ["Hezbollah seizure of three hilltops east of Arsal"],
    ),
]
CHLORINE = {"chlorine-attribution", "chlorine-used"}
RIGHT = {
    "jolani": {"caliphate-illegitimate", "nusra-zawahiri", "arsal-hilltops"},
    "hassakeh": {"hassakeh-attack"},
    "russia": CHLORINE,
}
ALL = {c.id for c in CLAIMS}


def _articles() -> dict[str, str]:
    text = DIGEST.read_text()
    starts = [text.index(h) for h in HEADLINES] + [text.index("Recommended Reads")]
    return {key: text[starts[i] : starts[i + 1]] for i, key in enumerate(("jolani", "hassakeh", "russia"))}


needs_embeddings = pytest.mark.skipif(
    not semantic_available(), reason="semantic extra (requirements-semantic.txt) not installed"
)


@pytest.fixture(scope="module")
def lexical():
    return Matcher(CLAIMS, ALIASES)


@pytest.fixture(scope="module")
def semantic():
    if not semantic_available():
        pytest.skip("semantic extra (requirements-semantic.txt) not installed")
    return Matcher(CLAIMS, ALIASES, encoder=MiniLMEncoder())


@pytest.fixture(params=["lexical", pytest.param("semantic", marks=needs_embeddings)])
def matcher(request):
    return request.getfixturevalue(request.param)


def _flags(matcher, text):
    return {m.claim_id: m for m in matcher.match(text)}


@pytest.mark.parametrize("article", ["jolani", "hassakeh", "russia"])
def test_each_digest_article_flags_its_claims(matcher, article):
    flagged = _flags(matcher, _articles()[article])
    assert RIGHT[article] <= set(flagged)
    # each explanation points at a passage of the article that names the claim's terms
    for claim in RIGHT[article]:
        match = flagged[claim]
        passage = match.passages[0]
        assert _articles()[article][passage["start"] : passage["end"]] == passage["text"]
        assert match.terms


def test_the_hassakeh_article_does_not_flag_the_chlorine_claims(matcher):
    assert not CHLORINE & set(_flags(matcher, _articles()["hassakeh"]))


def test_the_chlorine_article_flags_nothing_else(matcher):
    assert set(_flags(matcher, _articles()["russia"])) == CHLORINE


def test_wrong_claims_are_never_strong(matcher):
    for article, text in _articles().items():
        wrong = {c: m.tier for c, m in _flags(matcher, text).items() if c not in RIGHT[article]}
        assert "strong" not in wrong.values(), (article, wrong)


def test_the_chlorine_article_explains_its_attribution_with_resolved_actors(matcher):
    match = _flags(matcher, _articles()["russia"])["chlorine-attribution"]
    actors = {a["actor_id"] for a in match.actors}
    # "the Syrian government", "a charge that Damascus denies", "the U.S.", "France", "Britain", "Russia"
    assert {"syrian-government", "united-states", "russia"} <= actors
    assert "chlorine" in match.terms


PARAPHRASE_WITH_ALIAS = "the Assad government rejected the accusation of using chlorine"
ASSAD_GOVERNMENT = [{"actor_id": "syrian-government", "alias": "Assad government", "start": 4}]


def test_a_paraphrase_with_an_alias_not_in_the_digest_flags_the_attribution(matcher):
    flagged = _flags(matcher, PARAPHRASE_WITH_ALIAS)
    assert "chlorine-attribution" in flagged
    assert flagged["chlorine-attribution"].actors == ASSAD_GOVERNMENT
    assert flagged["chlorine-attribution"].terms == ["government", "chlorine"]


def test_damascus_denies_is_the_government_capturing_damascus_is_the_city():
    index = AliasIndex(ALIASES)
    assert [m.actor_id for m in index.find("a charge that Damascus denies")] == ["syrian-government"]
    assert [m.actor_id for m in index.find("Damascus has repeatedly rejected the charge")] == ["syrian-government"]
    assert index.find("focused on capturing the Syrian capital of Damascus and ousting the regime")[0].alias == (
        "the regime"
    )
    assert all(m.alias != "Damascus" for m in index.find("capturing Damascus"))
    assert all(m.alias != "Damascus" for m in index.find("talks in Damascus on Monday"))


def test_the_jolani_article_does_not_count_the_city_of_damascus_for_the_government(lexical):
    [match] = [m for m in lexical.rank(_articles()["jolani"], k=None) if m.claim_id == "chlorine-attribution"]
    assert all(a["alias"] != "Damascus" for a in match.actors)


# No content word in common with the attribution claim's proposition ("Chlorine
# attacks in Syria in 2015 were carried out by the Syrian government" / "The
# chlorine attacks reported in Syria in 2015 were carried out by the Syrian
# government's forces."): only meaning, and the name Assad among the names of
# the claim's actors, connect them.
PARAPHRASE = "Assad's helicopters dropped bleach bombs on civilians."


def test_the_paraphrase_really_shares_no_content_word():
    claim = next(c for c in CLAIMS if c.id == "chlorine-attribution")
    assert not set(analyze(PARAPHRASE)) & set(core_terms(claim))


def test_without_embeddings_a_paraphrase_sharing_no_words_is_not_flagged(lexical):
    assert _flags(lexical, PARAPHRASE) == {}


@needs_embeddings
def test_with_embeddings_a_paraphrase_sharing_no_words_is_flagged(semantic):
    flagged = _flags(semantic, PARAPHRASE)
    assert set(flagged) == {"chlorine-attribution"}
    assert flagged["chlorine-attribution"].terms == []
