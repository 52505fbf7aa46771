"""The shape of the code: every model write outside migrations and tests is
made in ``claims/services/`` (or in a place listed below, with its reason).

The check reads the source (ast): a call of ``.save()``, ``.delete()``,
``.create()``, ``.update()``, ``get_or_create``, ``update_or_create``,
``bulk_create`` or ``bulk_update`` outside the services is a write unless
its function is on the allow-list. Import direction and cycles are checked
by import-linter (``make lint``; the contracts are in pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITE_CALLS = {"save", "delete", "create", "update", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}

# (file, function): why that write is not a service's.
ALLOWED = {
    ("claims/matcher_runtime.py", "embeddings_encode_missing"): (
        "ClaimEmbedding is the matcher's cache of claim vectors, derived from the record and written by"
        " whichever process builds the matcher; not the record"
    ),
    ("tracker/settings.py", "<module>"): "a dict of settings, not a model",
    # The demo's fixed record: its actors, incidents and claims go through their
    # services; its sources, teams, logins and tags have no service of their own
    # (the admin edits them whole through services.rows), and a re-run finds them
    # rather than changing them.
    ("claims/demo/loader.py", "_get_or_create"): "demo sources: see above",
    ("claims/demo/loader.py", "research_team_ensure"): "the demo's research team",
    ("claims/demo/loader.py", "demo_load"): "the demo's tags",
    ("claims/demo/loader.py", "_user_ensure"): "the demo logins and their memberships",
    ("claims/demo/loader.py", "demo_users_ensure"): "the demo's fact-checking team",
}


def _is_write(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in WRITE_CALLS:
        return False
    if any(k.arg == "commit" for k in call.keywords):  # form.save(commit=False) writes nothing
        return False
    if call.func.attr == "update":
        # dict.update, set.update and hash.update are not writes: a queryset's is on
        # a manager, a call (filter(...)) or a name saying it is one.
        receiver = call.func.value
        return (
            "objects" in ast.unparse(receiver)
            or isinstance(receiver, ast.Call)
            or (isinstance(receiver, ast.Name) and receiver.id in {"queryset", "rows", "qs"})
        )
    return True


def _writes(path: Path) -> list[tuple[str, int, str]]:
    """(function, line, call) of each write-like call in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, f"{scope}.{child.name}" if scope else child.name)
                continue
            if isinstance(child, ast.Call) and _is_write(child):
                found.append((scope or "<module>", child.lineno, ast.unparse(child.func)))
            visit(child, scope)

    visit(tree, "")
    return found


def _sources() -> list[Path]:
    paths = [*sorted((ROOT / "claims").rglob("*.py")), *sorted((ROOT / "tracker").rglob("*.py"))]
    # A module that imports no model cannot write one (matching, ingest: plain data).
    return [
        p
        for p in paths
        if "migrations" not in p.parts
        and p.relative_to(ROOT).parts[:2] != ("claims", "services")
        and ("claims.models" in p.read_text() or "django.contrib.auth" in p.read_text())
    ]


def test_every_model_write_outside_the_services_is_allowed_with_its_reason():
    unexplained = []
    for path in _sources():
        relative = str(path.relative_to(ROOT))
        for function, line, call in _writes(path):
            if (relative, function) not in ALLOWED:
                unexplained.append(f"{relative}:{line} {function}: {call}()")
    assert not unexplained, "model writes outside claims/services/:\n" + "\n".join(unexplained)


def test_the_allow_list_names_only_places_that_still_write():
    writing = {(str(p.relative_to(ROOT)), f) for p in _sources() for f, _, _ in _writes(p)}
    assert set(ALLOWED) <= writing, sorted(set(ALLOWED) - writing)
