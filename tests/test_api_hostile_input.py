"""Hostile input answers a JSON 400 saying what is wrong, never a 500. The
three classes an outside review found answered 500, each fuzzed over every
operation the OpenAPI schema lists (so an endpoint added later is covered as
it lands): deeply nested JSON bodies; ids written in digits other than 0-9
("²", "٣") in query parameters and paths; cursors that decode but carry a
position that is no value of the ordering's field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from claims.api.keys import api_key_create
from claims.models import Flag, Membership, Report, Team, Webhook, WebhookDelivery
from tests import factories
from tests.conftest import api_client

pytestmark = pytest.mark.django_db

BODY_METHODS = ("post", "put", "patch")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def hostile(demo):
    """A research team's editor key (it may call every operation), and a row
    behind every path: a flag to review, a webhook with a delivery."""
    team = factories.TeamFactory(name="Research", slug="research", kind=Team.Kind.RESEARCH)
    user = factories.UserFactory(username="prober", is_staff=True)
    factories.MembershipFactory(team=team, user=user, role=Membership.Role.EDITOR)
    factories.FlagFactory(claim=demo, report=Report.objects.order_by("id").first())
    webhook = Webhook.objects.create(team=team, url="https://192.0.2.1/hook", secret="s" * 32, created_by=user)
    for n in range(2):
        WebhookDelivery.objects.create(webhook=webhook, event="flag.created", event_id=f"e-{n}", payload={})
    _, key = api_key_create(team=team, user=user, name="prober", role=Membership.Role.EDITOR)
    client = api_client(key)
    client.raise_request_exception = False  # a 500 comes back as a response, to be listed
    ids = {
        "id": {"claims": demo.pk, "flags": Flag.objects.get().pk, "webhooks": webhook.pk},
        "delivery_id": WebhookDelivery.objects.filter(webhook=webhook).first().pk,
    }
    return client, ids


def _operations(schema: dict[str, Any], methods: tuple[str, ...] = ("get", "post", "put", "patch", "delete")):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in methods:
                yield method, path, operation


def _fill(path: str, ids: dict[str, Any], **values: str) -> str:
    """The path with real ids (a claim's under /claims/, a flag's under
    /flags/, ...), or the given values, in its parameters."""
    resource = path.split("/")[3]

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name == "id":
            return str(ids["id"].get(resource, ids["id"]["claims"]))
        return str(ids[name])

    return re.sub(r"\{(\w+)\}", value, path)


def _call(client: Any, method: str, url: str, **kwargs: Any) -> Any:
    return getattr(client, method)(url, **kwargs)


def _problem(response: Any, expected: str) -> str | None:
    """None if ``response`` is a JSON 400 with ``expected`` among its keys."""
    if response.status_code != 400 or "json" not in response["Content-Type"]:  # application/(ld+)json
        return f"{response.status_code} {response.content[:120]!r}"
    if expected not in response.json():
        return f"400 not naming {expected!r}: {response.json()}"
    return None


# --- Deeply nested JSON ---------------------------------------------------------------------

NESTED_BODIES = {
    "100,000 arrays": "[" * 100_000 + "]" * 100_000,
    "5,000 objects": '{"a": ' * 5_000 + "1" + "}" * 5_000,
    # Within Python's recursion limit, beyond any body here (the bound is 16).
    "a field 64 levels deep": '{"title": "t", "text": ' + "[" * 63 + "]" * 63 + "}",
}


def test_deeply_nested_json_is_400_on_every_operation_that_takes_a_body(schema, hostile):
    client, ids = hostile
    writes = [
        (method, path)
        for method, path, operation in _operations(schema, BODY_METHODS)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(writes) >= 5, writes  # reports, stances, evidence, webhooks, flag reviews at least
    failures = []
    for method, path in writes:
        for label, body in NESTED_BODIES.items():
            response = _call(client, method, _fill(path, ids), data=body, content_type="application/json")
            if response.status_code != 400 or "nests" not in response.json().get("detail", ""):
                failures.append(f"{method.upper()} {path}, {label}: {response.status_code} {response.content[:80]!r}")
    assert not failures, "\n".join(failures)


def test_a_body_nesting_a_few_levels_is_parsed(hostile):
    client, _ = hostile
    body = '{"title": "t", "text": "x", "extra": ' + "[" * 7 + "]" * 7 + "}"
    response = client.post("/api/v1/reports/", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
