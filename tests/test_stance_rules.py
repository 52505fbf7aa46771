"""The stance suggester's rules (claims.matching.stance), on invented sentences
about an invented record: no Django, no database."""

from __future__ import annotations

import datetime

import pytest

from claims.matching.aliases import AliasIndex
from claims.matching.stance import ActorInfo, ClaimInfo, Suggester
from claims.matching.stance_voice import text_position
from claims.matching.types import AliasEntry

ACTORS = {
    "gov": ActorInfo("gov", "Government of Freedonia", "government"),
    "army": ActorInfo("army", "Freedonian Army", "government", parent_id="gov"),
    "north": ActorInfo("north", "Northland", "state"),
    "envoy": ActorInfo("envoy", "Ivan Petrov", "person", parent_id="north"),
    "south": ActorInfo("south", "Southland", "state"),
    "east": ActorInfo("east", "Eastland", "state"),
    "wire": ActorInfo("wire", "Daily Wire Service", "media"),
    "watchdog": ActorInfo("watchdog", "Chemical Watchdog", "organisation"),
    "rebels": ActorInfo("rebels", "Liberation Front", "armed_group"),
}
ALIASES = [
    *(AliasEntry(a.id, a.name) for a in ACTORS.values()),
    AliasEntry("gov", "Fredville", ambiguous=True),
    AliasEntry("gov", "the regime"),
    AliasEntry("army", "Freedonian troops"),
    AliasEntry("envoy", "Petrov"),
    AliasEntry("wire", "DWS"),
    AliasEntry("watchdog", "CWO"),
]
ATTRIBUTION = ClaimInfo(
    1,
    "Chlorine attacks in Freedonia were carried out by the government",
    "The government used chlorine.",
    "attribution",
    "gov",
)
EVENT = ClaimInfo(2, "Chlorine was used in attacks in Freedonia", "Chlorine gas was used as a weapon.", "event")


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return Suggester(AliasIndex(ALIASES), ACTORS)


def _suggest(suggester, text, claim=ATTRIBUTION, **kw):
    return [(s.actor_id, s.position) for s in suggester.suggest(text, 0, len(text), claim, **kw)]


def test_an_accusation_of_the_perpetrator_asserts_for_each_accuser(suggester):
    text = "Southland, along with Eastland, has repeatedly accused the regime of the chlorine attacks."
    assert set(_suggest(suggester, text)) == {("south", "asserts"), ("east", "asserts")}


def test_an_ambiguous_alias_denies_as_a_holder(suggester):
    text = "Southland blames the chlorine attacks on the regime, a charge that Fredville denies."
    assert ("gov", "denies") in _suggest(suggester, text)
    assert ("south", "asserts") in _suggest(suggester, text)


def test_the_outlet_reporting_a_position_is_not_its_holder(suggester):
    text = "Daily Wire Service reports that Northland insists the regime did not carry out the chlorine attacks."
    assert _suggest(suggester, text) == [("north", "denies")]


def test_the_reports_own_outlet_never_holds_a_position(suggester):
    text = "DWS said the regime carried out the chlorine attacks."
    assert _suggest(suggester, text) == [("wire", "asserts")]
    assert _suggest(suggester, text, outlet_ids=["wire"]) == []


def test_a_person_speaks_for_the_actor_above_them(suggester):
    text = "“We support the need to find those behind the chlorine attacks,” Petrov said."
    [s] = suggester.suggest(text, 0, len(text), ATTRIBUTION)
    assert (s.actor_id, s.position, s.speaker_id, s.speaker) == ("north", "calls_investigation", "envoy", "Ivan Petrov")
    assert s.quote_verbatim and text[s.quote_start : s.quote_end] == s.quote
    assert s.quote.startswith("We support")


def test_an_unnamed_speaker_is_kept_as_a_description(suggester):
    text = "A Western diplomat said that Northland backed efforts to identify who carried out the chlorine attacks."
    [s] = suggester.suggest(text, 0, len(text), ATTRIBUTION)
    assert (s.actor_id, s.position, s.speaker) == ("north", "calls_investigation", "A Western diplomat")


def test_disputing_the_evidence(suggester):
    text = (
        "Northland, an ally of the regime, has said there is insufficient evidence to blame the government"
        " for the chlorine attacks."
    )
    [s] = suggester.suggest(text, 0, len(text), ATTRIBUTION)
    assert (s.actor_id, s.position) == ("north", "disputes")
    assert s.quote.startswith("has said")


def test_a_finding_without_attribution_acknowledges_an_attribution_and_asserts_the_event(suggester):
    text = (
        "The Chemical Watchdog (CWO) found with a high degree of confidence that chlorine was used in attacks in"
        " Freedonia on 3 March 2016, but has not assigned blame."
    )
    [s] = suggester.suggest(text, 0, len(text), ATTRIBUTION, published=datetime.date(2016, 4, 1))
    assert (s.actor_id, s.position) == ("watchdog", "acknowledges")
    assert s.confidence_wording == "high degree of confidence"
    assert s.stated_on == datetime.date(2016, 3, 3)
    assert _suggest(suggester, text, EVENT) == [("watchdog", "asserts")]


def test_the_report_date_when_the_text_gives_none(suggester):
    text = "Eastland retracted its claim that the government carried out the chlorine attacks."
    [s] = suggester.suggest(
        text, 0, len(text), ATTRIBUTION, published=datetime.date(2016, 4, 1), published_precision="month"
    )
    assert (s.actor_id, s.position, s.stated_on, s.stated_precision) == (
        "east",
        "retracts",
        datetime.date(2016, 4, 1),
        "month",
    )


def test_the_perpetrator_blaming_another_denies(suggester):
    text = "The regime blamed the Liberation Front for the chlorine attacks."
    assert _suggest(suggester, text) == [("gov", "denies")]


def test_an_accusation_of_someone_else_says_nothing_of_this_attribution(suggester):
    assert _suggest(suggester, "Eastland accused the Liberation Front of the chlorine attacks.") == []


def test_a_statement_needs_the_claim_in_its_words(suggester):
    assert _suggest(suggester, "Northland said the weather in the capital was fine.", EVENT) == []
    assert _suggest(suggester, "Northland said chlorine gas was used as a weapon in Freedonia.", EVENT) == [
        ("north", "asserts")
    ]


def test_only_sentences_of_the_passage_are_read(suggester):
    text = "Eastland denied the chlorine attacks. Southland said nothing. Northland denied using chlorine."
    first = text.index("Southland")
    found = suggester.suggest(text, first, len(text), ATTRIBUTION)
    assert [(s.actor_id, s.position) for s in found] == [("north", "denies")]


@pytest.mark.parametrize(
    ("headline", "position"),
    [
        ("Chlorine gas used as a weapon in Freedonia attacks", "asserts"),
        ("Freedonia chlorine attack claims are a hoax", "denies"),
        ("Was chlorine used as a weapon in Freedonia?", None),
        ("Chlorine reportedly used in Freedonia attacks, activists say", None),
        ("Local football team wins the cup", None),
    ],
)
def test_a_texts_own_voice(headline, position):
    assert text_position(headline, EVENT) == position
