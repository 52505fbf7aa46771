"""Request bodies. DRF's JSON parser, with a bound on nesting: no body here
nests more than a few levels, and a body of thousands of ``[`` made Python's
parser raise RecursionError, a 500."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 16
TOO_DEEP = f"JSON parse error - the body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep."


def nesting(value: Any, limit: int) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar is 0), counted up
    to ``limit + 1``. Iterative, so a deep value cannot exhaust the stack."""
    deepest = 0
    stack = [iter([value])]
    while stack and deepest <= limit:
        for item in stack[-1]:
            if isinstance(item, dict | list):
                stack.append(iter(item.values() if isinstance(item, dict) else item))
                deepest = max(deepest, len(stack) - 1)
                break
        else:
            stack.pop()
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nesting(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
