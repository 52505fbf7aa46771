"""Every request has an id, in its log lines and its response."""

import json
import logging

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_request_id_is_returned_and_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="log_request_id.middleware")
    generated = client.get("/healthz")
    assert len(generated["X-Request-ID"]) == 32
    passed = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc-123")
    assert passed["X-Request-ID"] == "proxy-abc-123"
    assert any(getattr(record, "request_id", None) == "proxy-abc-123" for record in caplog.records)


def test_json_log_lines_carry_the_request_id_and_extra_fields():
    formatter = logging.config.DictConfigurator(settings.LOGGING).configure_formatter(
        settings.LOGGING["formatters"]["json"]
    )
    record = logging.LogRecord("claims.tasks", logging.ERROR, __file__, 1, "report %s failed", (7,), None)
    record.request_id, record.report_id = "abc", 7
    line = json.loads(formatter.format(record))
    assert line["level"] == "ERROR" and line["logger"] == "claims.tasks"
    assert line["request_id"] == "abc" and line["report_id"] == 7
    assert line["message"] == "report 7 failed"
