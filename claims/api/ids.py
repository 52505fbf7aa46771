"""Ids in query parameters and URL paths: written with the ASCII digits 0-9,
within the database's bigint range. ``str.isdigit()`` is also true of "²",
"٣" and "１"; ``int()`` refuses the first and reads the others, so neither is
a test for an id. Anything else answers 400 naming the parameter."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1  # PostgreSQL's bigint, the type of every id here
_ASCII_DIGITS = re.compile(r"[0-9]+")


def id_from(value: str) -> int:
    """The id ``value`` writes, or ValueError with a message a caller can read."""
    if not _ASCII_DIGITS.fullmatch(value):
        raise ValueError(f"{value!r} is not an id: an id is a whole number written with the digits 0-9.")
    number = int(value)
    if number > MAX_ID:
        raise ValueError(f"{value} is not an id: ids are at most {MAX_ID}.")
    return number


def looks_like_id(value: str) -> bool:
    """Whether ``value`` is written in digits of any script (so meant as an
    id, not a name): "12", and also "²" or "١٢", which ``id_from`` refuses."""
    return value.isdigit()


def path_id(value: str, name: str) -> int:
    try:
        return id_from(value)
    except ValueError as exc:
        raise ValidationError({name: [str(exc)]}) from None


class ChecksPathIds:
    """Mixed into the API's views: every id in the URL path (``pk``, named
    ``id`` in the schema, and any ``*_id``, as ``delivery_id``) is checked
    before the view runs, after authentication and permissions. (Not the
    ``format`` suffix, the one other path argument.)"""

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        for name, value in kwargs.items():
            if name == "pk" or name.endswith("_id"):
                path_id(value, "id" if name == "pk" else name)
