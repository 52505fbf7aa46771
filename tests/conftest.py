"""Per-role users and clients, so permission tests are cheap to write.

Roles: a researcher (a research team's member, staff but not a superuser:
the research group's own permissions, claims.backends), a superuser, a
fact-checking team member, a member of another fact-checking team, a
read-only member, and anonymous.
"""

import pytest
from django.db import transaction
from django.test import Client

from claims.models import Membership, Team
from tests import factories


@pytest.fixture
def research_team(db):
    return factories.TeamFactory(name="Research", slug="research", kind=Team.Kind.RESEARCH)


@pytest.fixture
def factcheck_team(db):
    return factories.TeamFactory(name="Checkers", slug="checkers", kind=Team.Kind.FACT_CHECKING)


@pytest.fixture
def other_team(db):
    return factories.TeamFactory(name="Other checkers", slug="other-checkers", kind=Team.Kind.FACT_CHECKING)


def _member(team, username, role=Membership.Role.EDITOR, **user_fields):
    user = factories.UserFactory(username=username, **user_fields)
    factories.MembershipFactory(team=team, user=user, role=role)
    return user


@pytest.fixture
def researcher(research_team):
    return _member(research_team, "researcher", is_staff=True)


@pytest.fixture
def superuser(research_team):
    """Who manages teams, members and logins (the researchers may only see them)."""
    return _member(research_team, "root", is_staff=True, is_superuser=True)


@pytest.fixture
def team_member(factcheck_team):
    return _member(factcheck_team, "checker")


@pytest.fixture
def other_team_member(other_team):
    return _member(other_team, "other-checker")


@pytest.fixture
def read_only_member(factcheck_team):
    return _member(factcheck_team, "reader", role=Membership.Role.READ_ONLY)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def researcher_client(researcher):
    return _client_for(researcher)


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


@pytest.fixture
def factchecker_client(team_member):
    return _client_for(team_member)


@pytest.fixture
def other_team_client(other_team_member):
    return _client_for(other_team_member)


@pytest.fixture
def read_only_client(read_only_member):
    return _client_for(read_only_member)


def api_client(key: str | None = None):
    """A REST API client, signed with ``key`` (``Authorization: Api-Key …``) if given."""
    from rest_framework.test import APIClient

    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def team_key(factcheck_team, team_member):
    """An editor key of the fact-checking team, as the team member issued it."""
    from claims.services.api_keys import api_key_create

    _, key = api_key_create(team=factcheck_team, user=team_member, name="sync", role=Membership.Role.EDITOR)
    return key


@pytest.fixture
def api(team_key):
    return api_client(team_key)


# Loading the demo costs about a second (over a thousand queries); the tests
# that read it share one load per module instead of one each.
_demo_module_open: list[str] = []  # the module whose demo transaction is open


@pytest.fixture(scope="module")
def _demo_for_the_module(request, django_db_setup, django_db_blocker):
    """The seed demo, loaded once per module inside a transaction that is
    rolled back at the module's end; each test runs in a savepoint within it
    (pytest-django's ``db``), so no test's writes reach the next. The tests
    that ask for it run last in their module (pytest_collection_modifyitems
    below), so the module's other tests never see these rows."""
    from django.core.management import call_command

    from claims.models import Claim

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        _demo_module_open.append(request.module.__name__)
        try:
            yield Claim.objects.get(text__icontains="chlorine", kind=Claim.Kind.ATTRIBUTION).pk
        finally:
            _demo_module_open.clear()
            transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_for_the_module, db):
    """The seed demo; returns its chlorine attribution claim."""
    from claims.models import Claim

    return Claim.objects.get(pk=_demo_for_the_module)


@pytest.fixture(autouse=True)
def _no_demo_rows_unasked(request):
    # The shared demo must be invisible to tests that did not ask for it.
    if _demo_module_open and "demo" not in request.fixturenames:
        pytest.fail(f"{request.node.nodeid} would see {_demo_module_open[0]}'s shared demo rows")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each run of one module's tests (as pytest-django ordered them:
    database tests, then transactional ones, then the rest), the tests on the
    shared demo go last, keeping their order: the demo's transaction then
    stays open for them only."""
    run, previous, keys = 0, None, {}
    for item in items:
        if item.module is not previous:
            run, previous = run + 1, item.module
        keys[item.nodeid] = (run, "demo" in item.fixturenames)
    items.sort(key=lambda item: keys[item.nodeid])


@pytest.fixture
def private_storage(settings, tmp_path):
    """Evidence files and raw submissions in a fresh private directory for this test."""
    default = {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path, "base_url": None}}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    return tmp_path


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 costs ~0.3 s a user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_matcher_per_test(monkeypatch):
    # The process caches its matcher by the claim index version, which starts
    # again at 0 in every test's empty database: two tests could otherwise
    # share an index built from the other's claims.
    from claims import matcher_runtime

    monkeypatch.setattr(matcher_runtime, "_loaded", None)
