"""The admin site: two-factor authentication for staff (django-otp) when
``ADMIN_OTP_REQUIRED`` is on, the default outside development."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class TrackerAdminSite(OTPAdminSite):
    """Staff must be verified by a registered OTP device (TOTP app, or a
    one-time static token for the first login) when OTP is required; read at
    each request, so a deployment turns it on or off with its settings.
    Installed as the default site by ``claims.apps.TrackerAdminConfig``."""

    site_header = "Attribution tracker"
    site_title = "Attribution tracker"
    index_title = "The record"

    def __init__(self, name: str = "admin") -> None:
        AdminSite.__init__(self, name)

    @property  # type: ignore[override]
    def login_form(self) -> Any:
        return OTPAdminAuthenticationForm if settings.ADMIN_OTP_REQUIRED else AdminAuthenticationForm

    @property  # type: ignore[override]
    def login_template(self) -> Any:
        return "otp/admin111/login.html" if settings.ADMIN_OTP_REQUIRED else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_OTP_REQUIRED:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
