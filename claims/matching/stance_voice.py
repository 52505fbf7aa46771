"""A text's own voice: the position a headline or a report takes on a claim
when no one is quoted as holding it (what Emergent labels), read with the
suggester's cues (stance.py)."""

from __future__ import annotations

import re

from claims.matching.stance import ASSERTS, DENIES, DENY_CUES, RETRACT_CUES, RETRACTS, ClaimInfo
from claims.matching.text import analyze

_HEDGE = re.compile(
    r"\?|\b(?:reportedly|rumou?rs?|rumou?red|allegedly|alleged|may|might|could|possibl[ey]|appears?|apparently|"
    r"unconfirmed|unverified|speculat\w*|report(?:s|ed)?|says?|said|claims?|claimed|according|sources?|suggests?|"
    r"purportedly|supposedly|believed|thought|expected|plans?|considering|mulls?|eyes?|in talks|could be|"
    r"said to|set to|looks? like|seems?)\b",
    re.IGNORECASE,
)
_DEBUNK = re.compile(
    rf"\b(?:{DENY_CUES}|debunk\w*|myth|made\s+(?:it\s+)?up|not|n[o’']t|isn[’']t|wasn[’']t|didn[’']t|never|"
    r"no\s+evidence|satir\w*|prank|untrue|bogus|nope)\b",
    re.IGNORECASE,
)


def text_position(text: str, claim: ClaimInfo | str) -> str | None:
    """The position a text takes on a claim in its own voice: DENIES when it
    denies or debunks it (or reports a denial), None (observing) when it
    hedges or attributes it to someone, ASSERTS when it states it, and None
    when it shares no word with the claim."""
    claim_text = claim if isinstance(claim, str) else f"{claim.title} {claim.text}"
    terms = set(analyze(claim_text))
    if not terms & set(analyze(text)):
        return None
    if re.search(rf"\b(?:{RETRACT_CUES})\b", text, re.I):
        return RETRACTS
    if _DEBUNK.search(text):
        return DENIES
    if _HEDGE.search(text):
        return None
    return ASSERTS
