"""`manage.py verify_evidence_files`: every stored file against its recorded SHA-256."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Evidence, Submission
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

STATEMENT = b"%PDF-1.4\n% Statement of a witness to the attack.\n"


@pytest.fixture
def witness_evidence():
    return services.evidence_add(
        claim=factories.ClaimFactory(),
        kind=Evidence.Kind.TESTIMONY,
        relation=Evidence.Relation.SUPPORTS,
        description="Witness statement.",
        file=SimpleUploadedFile("statement.pdf", STATEMENT, content_type="application/pdf"),
        user=None,
    )


@pytest.fixture
def raw_submission():
    return services.report_submit(
        channel=Submission.Channel.API,
        user=None,
        team=None,
        raw=b"Barrels fell on Sarmin.",
        filename="note.txt",
        content_type="text/plain",
    ).submission


def verify(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_evidence_files", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


def test_files_that_match_their_recorded_hashes_pass(witness_evidence, raw_submission):
    ok, out, err = verify()
    assert ok, err
    assert "2 stored file(s) checked: all match" in out


def test_evidence_without_a_file_is_not_checked():
    factories.EvidenceFactory(url="https://example.org/report")
    ok, out, _ = verify()
    assert ok
    assert "0 stored file(s)" in out


def test_an_altered_evidence_file_is_listed_and_fails(witness_evidence, raw_submission):
    Path(witness_evidence.file.path).write_bytes(STATEMENT.replace(b"witness", b"nobody"))
    ok, _, err = verify()
    assert not ok
    assert f"evidence {witness_evidence.pk}: {witness_evidence.file.name}: sha256 mismatch" in err
    assert witness_evidence.file_sha256 in err
    assert "1 of 2 stored file(s) failed: 0 missing, 1 not matching" in err


def test_a_missing_raw_submission_file_is_listed_and_fails(witness_evidence, raw_submission):
    Path(raw_submission.raw_file.path).unlink()
    ok, _, err = verify("--quiet")
    assert not ok
    assert f"submission {raw_submission.pk}: {raw_submission.raw_file.name}: missing" in err
    assert "1 of 2 stored file(s) failed: 1 missing" in err


def test_a_name_outside_private_storage_is_refused_not_read(witness_evidence):
    Evidence.objects.filter(pk=witness_evidence.pk).update(file="../../etc/passwd")
    ok, _, err = verify()
    assert not ok
    assert "outside private storage" in err
