"""Hostile input answers a JSON 400 saying what is wrong, never a 500. The
three classes an outside review found answered 500, each fuzzed over every
operation the OpenAPI schema lists (so an endpoint added later is covered as
it lands): deeply nested JSON bodies; ids written in digits other than 0-9
("²", "٣") in query parameters and paths; cursors that decode but carry a
position that is no value of the ordering's field."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from claims.api.pagination import Cursor
from claims.models import Membership, Report, Team, Webhook, WebhookDelivery
from claims.services.api_keys import api_key_create
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
    behind every path: a flag to review, a stance suggested on it, a webhook
    with a delivery."""
    team = factories.TeamFactory(name="Research", slug="research", kind=Team.Kind.RESEARCH)
    user = factories.UserFactory(username="prober", is_staff=True)
    factories.MembershipFactory(team=team, user=user, role=Membership.Role.EDITOR)
    flag = factories.FlagFactory(claim=demo, report=Report.objects.order_by("id").first())
    suggestion = factories.StanceSuggestionFactory(flag=flag)
    webhook = Webhook.objects.create(team=team, url="https://192.0.2.1/hook", secret="s" * 32, created_by=user)
    for n in range(2):
        WebhookDelivery.objects.create(webhook=webhook, event="flag.created", event_id=f"e-{n}", payload={})
    _, key = api_key_create(team=team, user=user, name="prober", role=Membership.Role.EDITOR)
    client = api_client(key)
    client.raise_request_exception = False  # a 500 comes back as a response, to be listed
    ids = {
        "id": {"claims": demo.pk, "flags": flag.pk, "suggestions": suggestion.pk, "webhooks": webhook.pk},
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


# --- Ids in other digits --------------------------------------------------------------------

# str.isdigit() is true of each; int() refuses some and reads the others.
OTHER_DIGITS = ["²", "٣", "１２", "𝟙", "12²"]
NOT_IDS = ["9" * 30, "Ⅻ", "½", "é", "🙂", "1.5", "-1"]


def _takes_an_id(parameter: dict[str, Any]) -> bool:
    """A query parameter documented as an id: an integer (not a page size) or
    one whose description says it takes an id ("Actor id, name or alias")."""
    schema = parameter.get("schema", {})
    integer = schema.get("type") == "integer" or schema.get("items", {}).get("type") == "integer"
    if integer:
        return parameter["name"] != Cursor.page_size_query_param
    return bool(re.search(r"\bid\b", parameter.get("description", ""), re.IGNORECASE))


def test_ids_in_other_digits_are_400_naming_the_parameter_in_every_filter_and_path(schema, hostile):
    client, ids = hostile
    failures, filters, paths = [], set(), set()
    for method, path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            name, where = parameter["name"], parameter["in"]
            if where == "path":
                assert name == "id" or name.endswith("_id"), f"{path}: path parameter {name} is not an id"
                paths.add(path)
                # (Not "1.5": "/claims/1.5/" is claim 1 with a format suffix, not an id.)
                for value in [v for v in OTHER_DIGITS + NOT_IDS if "." not in v]:
                    response = _call(client, method, _fill(path, ids, **{name: value}))
                    if problem := _problem(response, name):
                        failures.append(f"{method.upper()} {path} {name}={value!r}: {problem}")
            elif where == "query" and method == "get" and _takes_an_id(parameter):
                filters.add(f"{path}?{name}")
                integer = "integer" in str(parameter.get("schema"))
                for value in OTHER_DIGITS + NOT_IDS:
                    response = client.get(_fill(path, ids), {name: value})
                    if value in OTHER_DIGITS or value == NOT_IDS[0] or integer:
                        problem = _problem(response, name)
                    else:  # a name or alias that names no one ("é"): found nothing, or refused
                        problem = None if response.status_code in (200, 400) else f"{response.status_code}"
                    if problem:
                        failures.append(f"GET {path}?{name}={value!r}: {problem}")
    # The parameters the review named are among those found.
    assert {
        "/api/v1/claims/?actor",
        "/api/v1/claims/?perpetrator",
        "/api/v1/actors/?alias",
        "/api/v1/attribution-matrix/?claim",
        "/api/v1/exports/claims.csv?actor",
        "/api/v1/stances/?claim",
    } <= filters, sorted(filters)
    assert {"/api/v1/claims/{id}/matrix/", "/api/v1/claims/{id}/claimreview/"} <= paths, sorted(paths)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def test_ids_in_ascii_digits_still_find_their_rows(api, demo):
    damascus = api.get("/api/v1/actors/", {"alias": "Damascus"}).json()["results"][0]["id"]
    assert [row["id"] for row in api.get("/api/v1/actors/", {"alias": str(damascus)}).json()["results"]] == [damascus]
    assert demo.id in [row["id"] for row in api.get("/api/v1/claims/", {"actor": f" {damascus} "}).json()["results"]]
    assert api.get(f"/api/v1/claims/{demo.id}/matrix/").json()["claim"] == demo.id
    assert api.get("/api/v1/stances/", {"claim": demo.id}).json()["results"]


# --- Cursors with malformed positions -------------------------------------------------------

NUL_POSITIONS = ["\x00", "Chlorine\x00"]
MALFORMED = {
    "integer": ["abc", "", "1e400", "9" * 30, "-" + "9" * 30, "1.5", "²", "2015-06-01"],
    "number": ["abc", "", "1e400", "-1e400", "nan", "2015-06-01"],
    "date": ["abc", "", "1e400", "9" * 30, "2015-02-30", "2015-06-01T00:00"],
    "date-time": ["abc", "", "1e400", "9" * 30, "2015-02-30T00:00:00Z", "0001-01-01T00:00:00+01:00"],
    "string": [],  # any text but NUL is a place in an ordering by text
}
# Odd, but values of the type: a page (maybe empty), not an error.
ODD_BUT_VALID = {"date-time": ["2015-06-01T00:00:00+18:00", "2015-06-01"], "number": ["1e300"], "integer": ["007"]}


def _cursor(position: str, reverse: bool = False) -> str:
    tokens = {"p": position, **({"r": "1"} if reverse else {})}
    return base64.b64encode(urlencode(tokens).encode()).decode()


def _field_types(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, str]:
    """The type (or format) of each field of the list's rows, from the schema."""
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    components = schema["components"]["schemas"]
    row = components[page]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    return {
        name: prop.get("format") if prop.get("format") in ("date", "date-time") else prop.get("type", "string")
        for name, prop in components[row]["properties"].items()
    }


def _orderings(path: str, operation: dict[str, Any]) -> list[str]:
    """The orderings a list may be paged in: its ``ordering`` choices, else its paginator's."""
    view = resolve(path.replace("{id}", "1")).func
    if any(p["name"] == "ordering" for p in operation["parameters"]):
        return list(view.cls.ordering_fields)
    pagination = view.initkwargs.get("pagination_class") or view.cls.pagination_class
    return [pagination.ordering.lstrip("-")]


def test_cursor_positions_that_are_no_value_of_the_ordering_are_400_on_every_list(schema, hostile):
    client, ids = hostile
    lists = [
        (path, operation)
        for _, path, operation in _operations(schema, ("get",))
        if any(p["name"] == Cursor.cursor_query_param for p in operation.get("parameters", []))
    ]
    assert len(lists) >= 10, [path for path, _ in lists]
    failures, round_trips = [], 0
    for path, operation in lists:
        url, types = _fill(path, ids), _field_types(schema, operation)
        for field in _orderings(path, operation):
            ordering = {"ordering": field} if any(p["name"] == "ordering" for p in operation["parameters"]) else {}
            kind = types[field]
            for n, position in enumerate(NUL_POSITIONS + MALFORMED[kind]):
                reverse = n % 2 == 1  # a reversed cursor filters with __lt, a forward one __gt
                response = client.get(url, {"cursor": _cursor(position, reverse), **ordering})
                if problem := _problem(response, "cursor"):
                    failures.append(f"{path} by {field} ({kind}) p={position!r} r={reverse}: {problem}")
            for position in ODD_BUT_VALID.get(kind, []):
                response = client.get(url, {"cursor": _cursor(position), **ordering})
                if response.status_code != 200:
                    failures.append(f"{path} by {field} p={position!r}: {response.status_code}, expected a page")
            # The cursors the server issues still lead to the next page.
            first = client.get(url, {"page_size": 1, **ordering})
            if first.status_code == 200 and first.json()["next"]:
                following = client.get(urlparse(first.json()["next"]).path + "?" + urlparse(first.json()["next"]).query)
                round_trips += 1
                if following.status_code != 200:
                    failures.append(f"{path} by {field}: its own next link answered {following.status_code}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert round_trips >= 10
