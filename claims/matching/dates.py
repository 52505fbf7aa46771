"""Dates: an incident's date as the span its precision allows, and the dates a
report's text mentions.

A report published before an incident cannot be about it. The date a report
carries is sometimes wrong (a feed's date, a re-publication), while its text
rarely is: a report mentioning "5 September 2013" was written on that day or
later, whatever its date says. ``report_date`` takes the later of the two.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<{}>(?:19|20)\d\d)"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"\b(?:"
    + _DAY.format("d1")
    + r"\s+(?:of\s+)?"
    + _MONTH.format("m1")
    + r"(?:,?\s+"
    + _YEAR.format("y1")
    + r")?"
    + r"|"
    + _MONTH.format("m2")
    + r"\s+"
    + _DAY.format("d2")
    + r"(?:,?\s+"
    + _YEAR.format("y2")
    + r")?(?![\d:])"
    + r"|"
    + _MONTH.format("m3")
    + r",?\s+(?:of\s+)?"
    + _YEAR.format("y3")
    + r"|"
    + r"(?<![\d/.-])"
    + _YEAR.format("y4")
    + r"(?![\d/-])"
    + r")",
    re.IGNORECASE,
)
# "may" is also a verb: as a month only when a day or a year is next to it.
_AMBIGUOUS_MONTHS = frozenset(["may", "mar", "jan", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "feb", "apr"])


@dataclass(frozen=True)
class DateSpan:
    """A date known to a precision, as the first and last day it may be."""

    start: datetime.date
    end: datetime.date
    precision: str  # "day", "month", "year"

    @classmethod
    def parse(cls, value: str | datetime.date | None, precision: str | None = None) -> DateSpan | None:
        """From "2013-08-21", "2013-08", "2013" (or a date and its precision)."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime.date):
            year, month, day = value.year, value.month, value.day
            precision = precision or "day"
        else:
            parts = [int(p) for p in str(value).split("-")[:3]]
            year, month, day = [*parts, 1, 1][:3]
            precision = precision or {1: "year", 2: "month"}.get(len(parts), "day")
        if precision in ("year", "approximate"):
            return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year")
        if precision == "month":
            return cls(
                datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1]), "month"
            )
        return cls(datetime.date(year, month, day), datetime.date(year, month, day), "day")

    def contains(self, other: DateSpan) -> bool:
        return other.start >= self.start and other.end <= self.end

    def overlaps(self, other: DateSpan) -> bool:
        return other.start <= self.end and other.end >= self.start


@dataclass(frozen=True)
class DateMention:
    span: DateSpan | None  # None for a day and month without a year
    month: int
    day: int | None
    start: int
    end: int


def find_dates(text: str) -> list[DateMention]:
    """Dates written in ``text``: "21 August 2013", "Aug. 21, 2013", "August
    2013", "2013", and "August 21" (no year: ``span`` None)."""
    out = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        year = g["y1"] or g["y2"] or g["y3"] or g["y4"]
        month_name = (g["m1"] or g["m2"] or g["m3"] or "").casefold()
        day = g["d1"] or g["d2"]
        month = MONTHS.get(month_name, 0)
        if month_name in _AMBIGUOUS_MONTHS and not (day or year):
            continue
        if month_name == "may" and not year and m.group()[0].islower():
            continue  # "may 5" is rarely lower-case as a date
        try:
            if month and day and year:
                span = DateSpan.parse(datetime.date(int(year), month, int(day)))
            elif month and year:
                span = DateSpan.parse(f"{year}-{month:02d}", "month")
            elif year and not month:
                span = DateSpan.parse(year, "year")
            elif month and day:
                if not 1 <= int(day) <= 31:
                    continue
                span = None
            else:
                continue
        except ValueError:
            continue
        out.append(DateMention(span, month, int(day) if day else None, m.start(), m.end()))
    return out


def report_date(published: datetime.date | None, mentions: list[DateMention]) -> datetime.date | None:
    """When a report was written at the earliest: its date, or the latest
    full date (day, month and year) its text mentions, whichever is later."""
    latest = max((m.span.start for m in mentions if m.span and m.span.precision == "day"), default=None)
    if published is None:
        return latest
    if latest is None:
        return published
    return max(published, latest)


def mentions_time(mentions: list[DateMention], incident: DateSpan, written: datetime.date | None) -> bool:
    """Whether any mention falls within the incident's date span (a month or
    day mention without a year counts in the year the report was written)."""
    for m in mentions:
        span = m.span
        if span is None:
            if written is None:
                continue
            try:
                day = datetime.date(written.year, m.month, m.day or 1)
            except ValueError:
                continue
            span = DateSpan(day, day, "day")
        if span.precision == "year" and incident.precision != "year":
            continue  # "2013" alone does not name a day in August 2013
        if incident.overlaps(span):
            return True
    return False
