"""API tokens with a life: one per device, expiring, revocable (django-rest-knox underneath).

- `POST /auth/token/` makes a new token for the device that asks (knox stores only a hash).
- A token lasts `API_TOKEN_DAYS` (default 30) days after its last use (knox AUTO_REFRESH).
- `POST /auth/logout/` revokes the token sent; `POST /auth/logout-all/` every token of the
  caller; `GET /auth/tokens/` lists the caller's tokens; `DELETE /auth/tokens/{prefix}/`
  revokes one by the first 15 characters shown in the list.
- A password change or deactivation revokes all the person's tokens (`revoke_on_change`).
- Both `Authorization: Token <key>` and `Authorization: Bearer <key>` are accepted.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from practice_center.models import User


def token_create(*, user: User) -> str:
    """A new token for `user` (one per device); returns the key, shown to the client once."""
    _instance, key = AuthToken.objects.create(user=user)
    return key


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of `user`; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def tokens_purge_expired() -> int:
    """Delete every token past its expiry; returns how many."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@receiver(post_save, sender=User, dispatch_uid="portal-revoke-tokens-on-change")
def revoke_on_change(sender, instance: User, **kwargs) -> None:
    """A new password (set_password leaves `_password` set until save ends) or a deactivated
    account revokes every API token of the person."""
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        tokens_revoke_all(user=instance)


class TokenInfoSerializer(serializers.Serializer):
    prefix = serializers.CharField(source="token_key")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout")
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the caller (all devices)."""

    @extend_schema(request=None, responses={204: None}, operation_id="auth_logout_all")
    def post(self, request):
        tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The caller's tokens: prefix, when made, when it expires, and which one this request used."""

    @extend_schema(responses={200: TokenInfoSerializer(many=True)}, operation_id="auth_tokens_list")
    def get(self, request):
        current = request.auth.pk if isinstance(request.auth, AuthToken) else None
        rows = [
            {"token_key": t.token_key, "created": t.created, "expiry": t.expiry, "current": t.pk == current}
            for t in AuthToken.objects.filter(user=request.user).order_by("-created")
        ]
        return Response(TokenInfoSerializer(rows, many=True).data)


class TokenRevokeView(APIView):
    """Revoke one of the caller's tokens by its prefix."""

    @extend_schema(
        request=None,
        responses={204: None, 404: inline_serializer("NotFound", {"detail": serializers.CharField()})},
        operation_id="auth_tokens_destroy",
    )
    def delete(self, request, prefix: str):
        deleted, _ = AuthToken.objects.filter(user=request.user, token_key=prefix).delete()
        if not deleted:
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
