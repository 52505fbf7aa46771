"""Multipart bodies as a client sends them, raw through the test client
(WSGI): one cut off before its closing boundary is refused with a 400 that
says so, by the API and by the admin, and nothing of it is stored; complete
bodies, with a preamble or an epilogue too, are taken."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from claims.models import Report, Submission

pytestmark = pytest.mark.django_db

TEXT = (
    "Damascus denied using chlorine in the attack on Sarmin, the foreign ministry said on Monday; "
    "the rest of the statement repeated the denial."
)
CLOSE = f"--{BOUNDARY}--".encode()
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def _body(field: str) -> bytes:
    value = SimpleUploadedFile("statement.txt", TEXT.encode(), content_type="text/plain") if field == "file" else TEXT
    return encode_multipart(BOUNDARY, {"title": "Cut off", field: value})


TRUNCATED = {
    "inside the value": lambda body: body[: body.index(b"the rest of")],
    "before the closing boundary": lambda body: body[: body.rindex(CLOSE)],
    "a delimiter without its closing dashes": lambda body: body[: body.rindex(CLOSE) + len(CLOSE) - 2],
}
CASES = [(field, cut) for field in ("text", "file") for cut in TRUNCATED]


@pytest.mark.parametrize(("field", "cut"), CASES, ids=[f"{f}, cut {c}" for f, c in CASES])
def test_the_api_refuses_a_truncated_multipart_body_and_stores_nothing(api, field, cut):
    body = TRUNCATED[cut](_body(field))
    response = api.generic("POST", "/api/v1/reports/", body, content_type=CONTENT_TYPE)
    assert response.status_code == 400, response.content
    assert "closing boundary" in response.json()["detail"]
    assert (Submission.objects.count(), Report.objects.count()) == (0, 0)


@pytest.mark.parametrize(("field", "cut"), CASES, ids=[f"{f}, cut {c}" for f, c in CASES])
def test_the_admin_refuses_a_truncated_multipart_body_and_stores_nothing(researcher_client, field, cut):
    body = TRUNCATED[cut](_body(field))
    response = researcher_client.generic("POST", reverse("admin:claims_report_add"), body, content_type=CONTENT_TYPE)
    assert response.status_code == 400
    assert "closing boundary" in response.content.decode()
    assert (Submission.objects.count(), Report.objects.count()) == (0, 0)


@pytest.mark.parametrize("field", ["text", "file"])
@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda body: body, id="as the test client sends it"),
        pytest.param(
            lambda body: b"A preamble, ignored.\r\n" + body + b"An epilogue, ignored.\r\n",
            id="with a preamble and an epilogue",
        ),
        pytest.param(lambda body: body.removesuffix(b"\r\n"), id="no line end after the closing boundary"),
    ],
)
def test_a_complete_multipart_body_is_taken(api, field, wrap):
    response = api.generic("POST", "/api/v1/reports/", wrap(_body(field)), content_type=CONTENT_TYPE)
    assert response.status_code == 201, response.content
    assert Report.objects.get().text == TEXT
