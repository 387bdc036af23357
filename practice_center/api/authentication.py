"""How API callers authenticate: knox tokens as `Token <key>` or `Bearer <key>`.

Kept apart from the token views (practice_center/api/tokens.py): DRF imports this class while
it builds its settings, before any view module may be imported.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

PREFIXES = (b"token", b"bearer")


class PortalTokenAuthentication(KnoxTokenAuthentication):
    """knox tokens sent as `Token <key>` (API.md) or `Bearer <key>` (what generators send)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in PREFIXES:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid token header: send 'Token <key>'.")
        key = parts[1]
        # A key is ASCII letters and digits; anything else (bytes that are not even UTF-8, which
        # knox would fail to decode) is simply a wrong token: 401, never a server error.
        if not key.isascii() or not key.isalnum() or len(key) > 128:
            raise AuthenticationFailed("Invalid token.")
        return self.authenticate_credentials(key)

    def _cleanup_token(self, auth_token) -> bool:
        # knox also reads every other token of the person on each request to delete expired
        # ones (a query per request); beat purges expired tokens instead (purge_expired_tokens).
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def authenticate_header(self, request):
        return "Token"


class PortalTokenScheme(OpenApiAuthenticationExtension):
    """Declares the scheme in the OpenAPI schema as an API key in the Authorization header."""

    target_class = "practice_center.api.authentication.PortalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`), the key from POST /api/v1/auth/token/.",
        }
