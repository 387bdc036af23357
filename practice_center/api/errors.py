"""One exception handler for the whole API.

Domain errors become 409 `{"detail", "code"}`, NotAllowed 403, Django's ValidationError 400
with field messages; anything DRF knows keeps its status. Nothing a client sends becomes a 500.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from practice_center.exceptions import DomainError, NotAllowed, TooManyAttempts


def exception_handler(exc, context):
    if isinstance(exc, TooManyAttempts):
        response = Response({"detail": str(exc.message), "code": exc.code}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowed):
        return Response({"detail": str(exc.message), "code": "permission_denied"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        # Django would answer its own HTML 400 page; an API client gets JSON.
        return Response(
            {"detail": "The request body is too large.", "code": "request_too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, IntegrityError):
        # A uniqueness race the service did not foresee: the state changed under the request.
        return Response(
            {"detail": "The data changed while your request ran; please try again.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
