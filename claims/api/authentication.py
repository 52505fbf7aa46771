"""``Authorization: Api-Key trk_…`` for team keys; sessions for the browsable API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from claims.services.api_keys import api_key_check

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the key's creator, with ``request.auth`` the key: what
    the request may see and do is decided by the key's team and role."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = api_key_check(presented.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the key scheme in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key trk_…`: a team's key, issued in the admin and shown once.",
        }
