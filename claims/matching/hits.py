"""What scoring a text's passages finds, per claim: each claim's best
passages (``Scan`` of one run, ``Hits`` carried between the runs of a long
text matched in pieces), and what a passage's scoring read of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from claims.matching.aliases import ActorMention
from claims.matching.text import Passage

# Best passages kept per claim for the explanation.
PASSAGES_SHOWN = 3


@dataclass
class PassageCandidates:
    """Stage-1 candidates for one passage and their feature rows (FEATURES order)."""

    passage: Passage
    claims: np.ndarray  # claim indices into Matcher.claims
    features: np.ndarray  # shape (len(claims), len(FEATURES))
    mentions: list[ActorMention]
    units: Sequence[Passage] = ()  # the sentences it is made of (``passage_windows``)


# One passage's score for a claim, with where the passage is in the text.
Hit = tuple[float, int, int]  # (score, start, end)


@dataclass(frozen=True)
class PassageContext:
    """What explaining a hit reads of its passage: its sentences and the actors it names."""

    units: Sequence[Passage]
    mentions: list[ActorMention]


class Hits:
    """Each claim's best passages in a text (at most PASSAGES_SHOWN, best
    first; among equal scores the earlier passage), as rows of (claim id,
    score, start, end) grouped by claim. What matching a long text in pieces
    carries from one piece to the next: ``merge`` folds a piece's hits in (a
    passage scanned twice counts once, so a re-run changes nothing),
    ``to_bytes`` and ``from_bytes`` store it, and ``Matcher.explain`` of the
    merged hits' ``best`` gives exactly what matching the text in one go
    gives. Arrays, not dicts: a long report's passages score most of 100k
    claims. Integer claim ids (the database's) only."""

    ROW = np.dtype([("claim", "<i8"), ("score", "<f8"), ("start", "<i8"), ("end", "<i8")])

    def __init__(self, rows: np.ndarray):
        self.rows = rows  # sorted and pruned (see ``of``)

    @classmethod
    def of(cls, rows: np.ndarray) -> Hits:
        if not len(rows):
            return cls(rows)
        rows = rows[np.lexsort((rows["start"], -rows["score"], rows["claim"]))]
        # Windows start at distinct sentences: (claim, start) is one hit, and
        # the same hit from two scans has the same score, so they are adjacent.
        repeat = (rows["claim"][1:] == rows["claim"][:-1]) & (rows["start"][1:] == rows["start"][:-1])
        rows = rows[np.r_[True, ~repeat]]
        position = np.arange(len(rows))
        first = np.r_[True, rows["claim"][1:] != rows["claim"][:-1]]
        return cls(rows[position - np.maximum.accumulate(np.where(first, position, 0)) < PASSAGES_SHOWN])

    def merge(self, other: Hits) -> Hits:
        return Hits.of(np.concatenate([self.rows, other.rows]))

    def to_bytes(self) -> bytes:
        return self.rows.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> Hits:
        return cls(np.frombuffer(data, dtype=cls.ROW).copy())

    def best(self, *, floor: float = -np.inf, keep: Iterable = ()) -> dict[str | int, list[Hit]]:
        """The hits of the claims whose best passage scores at least ``floor``,
        and of the claims in ``keep`` whatever their score."""
        claims = self.rows["claim"]
        first = np.flatnonzero(np.r_[True, claims[1:] != claims[:-1]]) if len(claims) else np.zeros(0, np.int64)
        bounds = np.r_[first, len(claims)]
        out: dict[str | int, list[Hit]] = {}
        wanted = self.rows["score"][first] >= floor
        keep = list(keep)
        if keep:
            wanted |= np.isin(claims[first], np.asarray(keep, dtype=np.int64))
        for g in np.flatnonzero(wanted).tolist():
            group = self.rows[bounds[g] : bounds[g + 1]]
            out[int(group["claim"][0])] = list(
                zip(group["score"].tolist(), group["start"].tolist(), group["end"].tolist(), strict=True)
            )
        return out

    def __len__(self) -> int:
        return len(self.rows)


class Scan:
    """What scoring some of a text's passages found: for each claim scored, its
    best passages (claim id -> up to PASSAGES_SHOWN hits, best first), and
    where to go on (``next``, a passage number; ``total`` once the whole text
    is done). ``best`` gives them for ``Matcher.explain``; ``table`` as the
    ``Hits`` a long text matched in pieces carries to its next piece.

    Kept as arrays (a report's passages score thousands of claims, of which
    ``match`` explains a few dozen)."""

    def __init__(
        self,
        *,
        next: int,
        total: int,
        ids: Sequence[str | int],
        rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        context: dict[tuple[int, int], PassageContext],
    ):
        self.next, self.total = next, total
        # rows: the scores, starts and ends of the kept hits, grouped by
        # claim, and where each group begins; ids: each group's claim id.
        self._ids = ids
        self._scores, self._starts, self._ends, self._groups = rows
        # What the scan read of each passage, by (start, end), so that
        # explaining its hits reads nothing twice (not state to store).
        self.context = context

    @property
    def done(self) -> bool:
        return self.next >= self.total

    def best(self, *, k: int | None = None, floor: float = -np.inf, keep: Iterable = ()) -> dict[str | int, list[Hit]]:
        """The hits of the claims whose best passage scores at least ``floor``
        (and of the claims in ``keep`` whatever their score), best claim first
        (among equal scores the claim indexed first), the top ``k``."""
        best = self._scores[self._groups]
        order = np.argsort(-best, kind="stable")
        keep = set(keep)
        order = order[(best[order] >= floor) | np.array([self._ids[g] in keep for g in order.tolist()], dtype=bool)]
        order = order[:k]
        bounds = np.r_[self._groups, len(self._scores)].tolist()
        out = {}
        for g in order.tolist():
            a, b = bounds[g], bounds[g + 1]
            rows = zip(self._scores[a:b].tolist(), self._starts[a:b].tolist(), self._ends[a:b].tolist(), strict=True)
            out[self._ids[g]] = list(rows)
        return out

    def table(self) -> Hits:
        if not all(isinstance(i, int | np.integer) for i in self._ids):
            raise TypeError("matching a text in pieces needs integer claim ids")
        rows = np.empty(len(self._scores), dtype=Hits.ROW)
        sizes = np.diff(np.r_[self._groups, len(self._scores)])
        rows["claim"] = np.repeat(np.asarray(self._ids, dtype=np.int64), sizes)
        rows["score"], rows["start"], rows["end"] = self._scores, self._starts, self._ends
        return Hits.of(rows)
