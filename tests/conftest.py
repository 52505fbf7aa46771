"""Per-role users and clients, so permission tests are cheap to write.

Roles: a researcher (research team, staff), a fact-checking team member, a
member of another fact-checking team, a read-only member, and anonymous.
"""

import pytest
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
    return _member(research_team, "researcher", is_staff=True, is_superuser=True)


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
    from claims.api.keys import api_key_create

    _, key = api_key_create(team=factcheck_team, user=team_member, name="sync", role=Membership.Role.EDITOR)
    return key


@pytest.fixture
def api(team_key):
    return api_client(team_key)


@pytest.fixture
def demo(db):
    """The seed demo; returns its chlorine attribution claim."""
    from django.core.management import call_command

    from claims.models import Claim

    call_command("load_demo", verbosity=0)
    return Claim.objects.get(text__icontains="chlorine", kind=Claim.Kind.ATTRIBUTION)


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
