"""Admin accounts: login throttling (django-axes) and two-factor authentication for staff (django-otp)."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(research_team):
    user = factories.UserFactory(username="curator", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    factories.MembershipFactory(team=research_team, user=user)
    return user


def _login(client, password, **extra):
    return client.post(LOGIN, {"username": "curator", "password": password, **extra})


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        assert _login(client, "wrong").status_code in (200, 429)
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_a_success_before_the_limit_resets_the_count(staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    _login(client, "wrong")
    _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302


def test_staff_without_a_second_factor_are_refused_when_otp_is_required(staff, settings):
    settings.ADMIN_OTP_REQUIRED = True
    client = Client()
    response = _login(client, PASSWORD)
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302
    # A session from before (password only) does not get in either.
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302


def test_staff_with_a_totp_device_get_in_with_its_token(staff, settings):
    settings.ADMIN_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = _login(client, PASSWORD, otp_device=device.persistent_id, otp_token=str(token).zfill(6))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    wrong = Client()
    assert _login(wrong, PASSWORD, otp_device=device.persistent_id, otp_token="000000").status_code == 200
    assert wrong.get("/admin/").status_code == 302


def test_a_static_token_bootstraps_the_first_login_once(staff, settings):
    settings.ADMIN_OTP_REQUIRED = True
    device = StaticDevice.objects.create(user=staff, name="bootstrap")
    device.token_set.create(token="bootstrap1")
    first = Client()
    assert _login(first, PASSWORD, otp_device=device.persistent_id, otp_token="bootstrap1").status_code == 302
    assert first.get("/admin/").status_code == 200
    again = Client()
    assert _login(again, PASSWORD, otp_device=device.persistent_id, otp_token="bootstrap1").status_code == 200


def test_an_upload_over_the_limit_is_refused_with_413_before_it_is_read(researcher_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from claims.models import Submission

    settings.MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("report.txt", b"x" * 5000, content_type="text/plain")
    response = researcher_client.post("/admin/claims/report/add/", {"file": big})
    assert response.status_code == 413
    assert not Submission.objects.exists()
