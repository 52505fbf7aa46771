"""A claim as schema.org ClaimReview JSON-LD, and a local check of the
properties consumers (Google's fact-check rich results) require.

Pure functions over plain data: the caller (``claims.api.exports``) picks the
rows the asker may see and passes them in; nothing here reads the database.

What the rating says. The tracker records who asserts and who denies a claim;
it gives no verdict of its own. So the ``reviewRating`` carries no number on a
true/false scale (a number would read as one): its ``alternateName``, the
text consumers show, says how the claim stands in the record ("Contested:
asserted by 3, denied by 1"), and ``ratingExplanation`` lists each actor's
latest position.

Which text is reviewed. ``claimReviewed`` is what consumers show: Google asks
for a short summary, under 75 characters. It is the claim's proposition when
that fits, else the claim's title (a short form); the proposition is kept
whole in ``itemReviewed.text``.

Who made the claim, and where. ``itemReviewed.author`` is whoever asserts it
in the record (an actor that asserted and then retracted still made it);
when no one does (only a denial is recorded), the publisher of the work it
first appears in. ``itemReviewed.appearance`` lists every work the claim
appears in that the asker may see: the reports its stances were taken from
and its accepted evidence (a report, or a document at a URL); each has its
``url`` where the tracker holds one (a pasted or uploaded text has none, and
is described inline: headline, publisher, date). ``itemReviewed.datePublished``
is when the claim entered public discourse: its first dated assertion, else
its first dated stance of any kind (a denial shows the claim was about by
then), else the earliest dated work it appears in.

Where the review lives. ``url`` is the public page that presents the review
(``ClaimRow.url``, from the operator's settings); with none configured it is
left out rather than pointing at an address a reader cannot open.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SCHEMA_CONTEXT = "https://schema.org"
SHORT_CLAIM = 75  # Google's recommended longest claimReviewed (wraps on a phone beyond it)

# Position values (claims.models.Position), as the rating's counts read them.
_POSITION_VERBS = {
    "asserts": "asserted",
    "denies": "denied",
    "disputes": "disputed",
    "acknowledges": "acknowledged without attribution",
    "retracts": "retracted",
    "calls_investigation": "investigation called for",
}
_POSITION_LABELS = {
    "asserts": "asserts",
    "denies": "denies",
    "disputes": "disputes the evidence or the process",
    "acknowledges": "acknowledges the event without attributing it",
    "retracts": "retracts",
    "calls_investigation": "calls for an investigation",
}
_SUPPORT = {"asserts"}
_OPPOSE = {"denies", "disputes"}


@dataclass(frozen=True)
class Publisher:
    name: str
    url: str = ""


@dataclass(frozen=True)
class Appearance:
    """A work in which the claim appears: a report (a stance on it was
    reported there, or it is evidence), or a document at a URL."""

    id: str  # "report:<id>", or the URL of a document: each work is listed once
    headline: str
    url: str = ""
    published_on: datetime.date | None = None
    publisher: Publisher | None = None
    document_symbol: str = ""


@dataclass(frozen=True)
class StanceRow:
    """One accepted stance: who, which position, when, where it was reported."""

    actor_id: int
    actor_name: str
    actor_kind: str  # claims.models.Actor.Kind value; "person" is a Person, the rest organisations
    position: str
    stated_on: datetime.date | None = None
    confidence_wording: str = ""
    appearance: Appearance | None = None


@dataclass(frozen=True)
class ClaimRow:
    id: int
    text: str
    title: str
    url: str  # the public page of the review; "" when none is configured
    date_published: datetime.date | None = None  # None while the claim is unpublished
    date_modified: datetime.datetime | None = None


def current_positions(stances: Iterable[StanceRow]) -> dict[int, list[StanceRow]]:
    """Each actor's current stances: those of its latest date (Russia disputing
    the evidence and calling for an investigation on the same day holds both),
    from its last retraction on if it retracted that day; for undated stances,
    the latest one alone. ``stances`` come oldest first (undated before dated,
    then in entry order), as ``selectors.attribution_matrix`` orders them."""
    by_actor: dict[int, list[StanceRow]] = {}
    for stance in stances:
        held = by_actor.setdefault(stance.actor_id, [])
        if stance.stated_on is None or not held or held[-1].stated_on != stance.stated_on:
            held.clear()
        if stance.position == "retracts":
            held.clear()
        held.append(stance)
    return by_actor


def _positions(held: list[StanceRow]) -> list[str]:
    return list(dict.fromkeys(stance.position for stance in held))


def rating_text(current: dict[int, list[StanceRow]]) -> tuple[str, str]:
    """(name, alternateName) of the rating: how many actors currently hold
    each position, and no verdict."""
    counts: dict[str, int] = {}
    for held in current.values():
        for position in _positions(held):
            counts[position] = counts.get(position, 0) + 1
    supporting = any(position in _SUPPORT for position in counts)
    opposing = any(position in _OPPOSE for position in counts)
    if supporting and opposing:
        name = "Contested"
    elif supporting:
        name = "Asserted, not contested in the record"
    elif opposing:
        name = "Denied or disputed, asserted by none in the record"
    elif counts:
        name = "Neither asserted nor denied in the record"
    else:
        return "No recorded positions", "No recorded positions"
    tally = ", ".join(f"{verb} by {counts[p]}" for p, verb in _POSITION_VERBS.items() if p in counts)
    return name, f"{name}: {tally}"


def _explanation(current: dict[int, list[StanceRow]]) -> str:
    if not current:
        return "The tracker has no accepted stance on this claim yet."
    parts = []
    for held in sorted(current.values(), key=lambda h: h[-1].actor_name):
        part = f"{held[-1].actor_name} {', '.join(_POSITION_LABELS.get(p, p) for p in _positions(held))}"
        if held[-1].stated_on is not None:
            part += f" (on {held[-1].stated_on.isoformat()})"
        wording = [s.confidence_wording for s in held if s.confidence_wording]
        if wording:
            part += ": " + ", ".join(f"“{w}”" for w in dict.fromkeys(wording))
        parts.append(part)
    return (
        "A record of who asserts and who denies the claim, not a verdict on it. "
        "Each actor's latest accepted position: " + "; ".join(parts) + "."
    )


def _agent(name: str, kind: str) -> dict[str, Any]:
    return {"@type": "Person" if kind == "person" else "Organization", "name": name}


def _organisation(publisher: Publisher) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "Organization", "name": publisher.name}
    if publisher.url:
        node["url"] = publisher.url
    return node


def _creative_work(appearance: Appearance) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "CreativeWork", "headline": appearance.headline}
    if appearance.url:
        node["url"] = appearance.url
    if appearance.published_on is not None:
        node["datePublished"] = appearance.published_on.isoformat()
    if appearance.publisher is not None:
        node["publisher"] = _organisation(appearance.publisher)
    if appearance.document_symbol:
        node["identifier"] = appearance.document_symbol
    return node


def _authors(stances: list[StanceRow], current: dict[int, list[StanceRow]]) -> list[StanceRow]:
    """The actors who made the claim: those who assert it now, else those who
    asserted it before (and have since moved off it)."""
    asserting = [held[-1] for held in current.values() if "asserts" in _positions(held)]
    if not asserting:
        asserting = list({s.actor_id: s for s in stances if s.position in _SUPPORT}.values())
    return sorted(asserting, key=lambda s: s.actor_name)


def claim_review(
    *, claim: ClaimRow, stances: list[StanceRow], publisher: Publisher, works: Iterable[Appearance] = ()
) -> dict[str, Any]:
    """The ClaimReview JSON-LD of ``claim``. ``stances`` are the accepted
    stances the asker may see, oldest first; a stance's ``appearance`` is
    None where it was not reported or the report is not the asker's to see.
    ``works`` are the other works it appears in (its accepted evidence)."""
    current = current_positions(stances)
    name, alternate_name = rating_text(current)
    appearances: dict[str, Appearance] = {}
    for work in [*(s.appearance for s in stances if s.appearance is not None), *works]:
        appearances.setdefault(work.id, work)
    ordered = sorted(appearances.values(), key=lambda a: (a.published_on or datetime.date.max, a.id))

    item: dict[str, Any] = {"@type": "Claim", "name": claim.title, "text": claim.text}
    authors = _authors(stances, current)
    if authors:
        item["author"] = [_agent(s.actor_name, s.actor_kind) for s in authors]
    # When the claim entered public discourse: its first dated assertion, else
    # its first dated stance of any kind, else its earliest dated work.
    dated = [s for s in stances if s.stated_on is not None]
    first = next((s for s in dated if s.position in _SUPPORT), dated[0] if dated else None)
    first_work = first.appearance if first is not None and first.appearance is not None else None
    if first_work is None and ordered:
        first_work = ordered[0]
    if first is not None and first.stated_on is not None:
        item["datePublished"] = first.stated_on.isoformat()
    elif first_work is not None and first_work.published_on is not None:
        item["datePublished"] = first_work.published_on.isoformat()
    if first_work is not None:
        item["firstAppearance"] = _creative_work(first_work)
        if not authors and first_work.publisher is not None:
            # No one in the record asserts it: it is held from where it first appeared.
            item["author"] = [_organisation(first_work.publisher)]
    if ordered:
        item["appearance"] = [_creative_work(a) for a in ordered]

    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "claimReviewed": claim.text if len(claim.text) <= SHORT_CLAIM else claim.title,
        "author": _organisation(publisher),
        "reviewRating": {
            "@type": "Rating",
            "name": name,
            "alternateName": alternate_name,
            "ratingExplanation": _explanation(current),
        },
        "itemReviewed": item,
    }
    if claim.url:
        review["url"] = claim.url
    if claim.date_published is not None:
        review["datePublished"] = claim.date_published.isoformat()
    if claim.date_modified is not None:
        review["dateModified"] = claim.date_modified.isoformat()
    return review


# --- validation -------------------------------------------------------------------------

_AGENT_TYPES = {"Organization", "Person"}


@dataclass
class CheckResult:
    """What the check found: ``errors`` make the markup unusable to consumers,
    ``warnings`` are recommended properties that are missing."""

    errors: list[str]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_agent(value: Any, where: str, errors: list[str]) -> None:
    for agent in _many(value):
        if not isinstance(agent, dict) or agent.get("@type") not in _AGENT_TYPES:
            errors.append(f"{where}: an Organization or Person")
        elif not _text(agent.get("name")):
            errors.append(f"{where}.name: required")
        elif "url" in agent and not _url(agent["url"]):
            errors.append(f"{where}.url: an absolute URL")


def _check_work(value: Any, where: str, errors: list[str]) -> None:
    for work in _many(value):
        if isinstance(work, str):
            if not _url(work):
                errors.append(f"{where}: a URL or a CreativeWork")
            continue
        if not isinstance(work, dict) or work.get("@type") != "CreativeWork":
            errors.append(f"{where}: a URL or a CreativeWork")
            continue
        if not (_text(work.get("headline")) or _url(work.get("url"))):
            errors.append(f"{where}: a headline or a url")
        if "url" in work and not _url(work["url"]):
            errors.append(f"{where}.url: an absolute URL")
        if "datePublished" in work and not _date(work["datePublished"]):
            errors.append(f"{where}.datePublished: an ISO 8601 date")
        if "publisher" in work:
            _check_agent(work["publisher"], f"{where}.publisher", errors)


def claim_review_check(data: Any) -> CheckResult:
    """Check ClaimReview JSON-LD for what consumers require, offline.

    Required (Google Search Central, "Fact check (ClaimReview) structured
    data"): ``@context`` schema.org and ``@type`` ClaimReview at the root;
    ``claimReviewed`` text; ``reviewRating`` a Rating with ``alternateName``
    (the text shown), and if it has a ``ratingValue``, one within
    ``worstRating``..``bestRating``; ``url`` absolute. Recommended (missing
    ones are warnings, malformed ones errors): ``author`` an Organization or
    Person with a ``name``; ``datePublished``; ``itemReviewed`` a Claim with
    ``author``, ``datePublished``, ``appearance`` and ``firstAppearance``;
    ``claimReviewed`` under 75 characters; appearances consumers can open
    (Google's Fact Check Tools list them as links)."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(data, dict):
        return CheckResult(["the document: a JSON object"], [])
    if data.get("@context") not in (SCHEMA_CONTEXT, "http://schema.org", "https://schema.org/"):
        errors.append("@context: https://schema.org")
    if data.get("@type") != "ClaimReview":
        errors.append("@type: ClaimReview")
    if not _text(data.get("claimReviewed")):
        errors.append("claimReviewed: required text")
    elif len(data["claimReviewed"]) > SHORT_CLAIM:
        warnings.append(f"claimReviewed: {len(data['claimReviewed'])} characters; under {SHORT_CLAIM} recommended")
    if not _url(data.get("url")):
        errors.append("url: required, an absolute URL")

    rating = data.get("reviewRating")
    if not isinstance(rating, dict) or rating.get("@type") != "Rating":
        errors.append("reviewRating: required, a Rating")
    else:
        if not _text(rating.get("alternateName")):
            errors.append("reviewRating.alternateName: required text")
        if "ratingValue" in rating:
            values: list[Any] = [rating.get(k) for k in ("worstRating", "ratingValue", "bestRating")]
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                errors.append("reviewRating: a ratingValue needs numeric worstRating and bestRating")
            elif not values[0] <= values[1] <= values[2]:
                errors.append("reviewRating.ratingValue: between worstRating and bestRating")

    if "author" in data:
        _check_agent(data["author"], "author", errors)
    else:
        warnings.append("author: recommended")
    if "datePublished" in data:
        if not _date(data["datePublished"]):
            errors.append("datePublished: an ISO 8601 date")
    else:
        warnings.append("datePublished: recommended")

    item = data.get("itemReviewed")
    if item is None:
        warnings.append("itemReviewed: recommended")
    elif not isinstance(item, dict) or item.get("@type") != "Claim":
        errors.append("itemReviewed: a Claim")
    else:
        for key in ("author", "datePublished", "appearance", "firstAppearance"):
            if key not in item:
                warnings.append(f"itemReviewed.{key}: recommended")
        if "author" in item:
            _check_agent(item["author"], "itemReviewed.author", errors)
        if "datePublished" in item and not _date(item["datePublished"]):
            errors.append("itemReviewed.datePublished: an ISO 8601 date")
        for key in ("appearance", "firstAppearance"):
            if key in item:
                _check_work(item[key], f"itemReviewed.{key}", errors)
        unlinked = [w for w in _many(item.get("appearance", [])) if isinstance(w, dict) and "url" not in w]
        if unlinked:
            warnings.append(f"itemReviewed.appearance: {len(unlinked)} described inline, with no url to open")
    return CheckResult(errors, warnings)
