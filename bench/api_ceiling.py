"""The ceiling for bench_api.py: bare Django views that build the same JSON
payloads as the API endpoints with ``.values()``, no DRF. Same key check, same
visibility rules, same rows (the claim list and the matrix from the very
selectors the API renders, so those two measure what DRF adds). Mounted next
to the API by ``api_ceiling_settings.py``.
"""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def _access(request: HttpRequest):
    from claims.selectors import access_for_key
    from claims.services.api_keys import api_key_check

    header = request.headers.get("Authorization", "")
    key = api_key_check(header.partition(" ")[2].strip())
    if key is None:
        return None
    return access_for_key(key)


def _claim_rows(claims) -> list[dict]:
    # The same values-built rows the API's claim list renders.
    from claims.selectors import CLAIM_LIST_FIELDS, claim_rows

    return claim_rows(list(claims.values(*CLAIM_LIST_FIELDS)))


def claim_list(request: HttpRequest) -> JsonResponse:
    from claims.selectors import claims_visible_to

    access = _access(request)
    if access is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    size = min(int(request.GET.get("page_size", 50)), 200)
    rows = _claim_rows(claims_visible_to(access).order_by("id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_url = f"?after={rows[-1]['id']}" if more and rows else None
    return JsonResponse({"next": next_url, "previous": None, "results": rows})


STANCE_FIELDS = [
    "id",
    "claim",
    "speaker_description",
    "position",
    "stated_on",
    "stated_precision",
    "quote",
    "quote_kind",
    "report",
    "confidence",
    "confidence_wording",
    "note",
    "review_status",
    "created_at",
    "updated_at",
]


def claim_detail(request: HttpRequest, pk: int) -> JsonResponse:
    from claims.selectors import claims_visible_to, evidence_visible_to, stances_visible_to

    access = _access(request)
    if access is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    rows = _claim_rows(claims_visible_to(access).filter(pk=pk))
    if not rows:
        return JsonResponse({"detail": "Not found."}, status=404)
    claim = rows[0]
    from claims.models import Incident

    claim["incidents"] = list(Incident.objects.filter(claims=pk).values())
    stances = []
    for row in stances_visible_to(access).filter(claim_id=pk).values(
        *STANCE_FIELDS, "actor_id", "actor__name", "actor__kind", "speaker_id", "speaker__name", "speaker__kind",
        "report__source__name",
    ):  # fmt: skip
        row["actor"] = {"id": row.pop("actor_id"), "name": row.pop("actor__name"), "kind": row.pop("actor__kind")}
        sid, sname, skind = row.pop("speaker_id"), row.pop("speaker__name"), row.pop("speaker__kind")
        row["speaker"] = {"id": sid, "name": sname, "kind": skind} if sid else None
        row["source"] = row.pop("report__source__name")
        stances.append(row)
    claim["stances"] = stances
    claim["evidence"] = list(
        evidence_visible_to(access)
        .filter(claim_id=pk)
        .values("id", "claim", "kind", "relation", "description", "report", "url", "file_sha256", "review_status")
    )
    return JsonResponse(claim)


ACTOR_FIELDS = ["id", "name", "kind", "parent", "description", "name_valid_from", "name_valid_to"]
ACTOR_FIELDS += ["created_at", "updated_at"]


def actor_by_alias(request: HttpRequest) -> JsonResponse:
    from claims.api.filters import _actor_ids
    from claims.models import Actor, ActorAlias

    if _access(request) is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    ids = _actor_ids(request.GET.get("alias", ""))
    rows = list(Actor.objects.filter(id__in=ids).order_by("id").values(*ACTOR_FIELDS)[:50])
    aliases = defaultdict(list)
    for alias in ActorAlias.objects.filter(actor_id__in=[r["id"] for r in rows]).values(
        "actor_id", "name", "kind", "language", "ambiguous", "valid_from", "valid_to"
    ):
        aliases[alias.pop("actor_id")].append(alias)
    for row in rows:
        row["aliases"] = aliases[row["id"]]
    return JsonResponse({"next": None, "previous": None, "results": rows})


def matrix(request: HttpRequest, pk: int) -> JsonResponse:
    # The API renders this selector's rows too; the ceiling skips DRF only.
    from claims.selectors import attribution_matrix, claims_visible_to

    access = _access(request)
    if access is None:
        return JsonResponse({"detail": "unauthorised"}, status=401)
    rows = attribution_matrix(claims=claims_visible_to(access).filter(pk=pk))
    if not rows:
        return JsonResponse({"detail": "Not found."}, status=404)
    return JsonResponse(rows[0])


urlpatterns = [
    path("ceiling/claims/", claim_list),
    path("ceiling/claims/<int:pk>/", claim_detail),
    path("ceiling/actors/", actor_by_alias),
    path("ceiling/claims/<int:pk>/matrix/", matrix),
    path("", include("tracker.urls")),
]
