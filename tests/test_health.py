from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_when_the_database_does(anonymous_client):
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_healthz_is_503_when_the_database_is_down(anonymous_client):
    with mock.patch("claims.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = anonymous_client.get("/healthz")
    assert response.status_code == 503
    assert "refused" not in response.content.decode()
