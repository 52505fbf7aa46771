"""OpenAPI post-processing: every operation documents the errors it can answer."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": 'An error: `{"detail": "..."}`, or for invalid input each offending field '
    'with its messages, e.g. `{"claim": ["Invalid pk \\"7\\" - object does not exist."]}`.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add 400/401/403/404/413/429 (as they apply) and a default error to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            writes = method in ("post", "put", "patch")
            if writes or operation.get("parameters"):
                responses.setdefault("400", _error("Invalid input; the body names each offending field."))
            responses.setdefault("401", _error("No API key, or a wrong, revoked or expired one."))
            responses.setdefault("403", _error("The key's team or role may not do this."))
            if "{" in path:
                responses.setdefault("404", _error("No such object, or not one the caller may see."))
            if writes:
                responses.setdefault("413", _error("The request body is larger than the limit."))
            responses.setdefault("429", _error("Throttled: too many requests for this key; see Retry-After."))
            responses.setdefault("default", _error("Any other error (405, 409, 503 with Retry-After)."))
    return result
