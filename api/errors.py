"""Every API error has one JSON shape:

    {"error": {"code": "slug_taken", "message": {"zh-hans": "…", "en": "…"},
               "fields": {"slug": [{"code": "…", "message": {…}}]}}}
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dangan.platform import errors
from dangan.platform.errors import ApplicationError, ErrorCode

_DRF_CODES: dict[type, ErrorCode] = {
    exceptions.NotAuthenticated: errors.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: errors.NOT_AUTHENTICATED,
    exceptions.PermissionDenied: errors.PERMISSION_DENIED,
    exceptions.NotFound: errors.NOT_FOUND,
    exceptions.MethodNotAllowed: errors.METHOD_NOT_ALLOWED,
    exceptions.Throttled: errors.THROTTLED,
}

PARSE_ERROR = ErrorCode("malformed_request", "请求格式有误，无法解析。", "The request body could not be parsed.")
UNSUPPORTED_MEDIA = ErrorCode("unsupported_media_type", "不支持的内容类型。", "Unsupported media type.", 415)
NOT_ACCEPTABLE = ErrorCode("not_acceptable", "无法按要求的格式返回。", "Cannot answer in the requested format.", 406)


def _field_errors(detail, prefix: str = "") -> dict[str, list[dict]]:
    """Flatten DRF's nested ValidationError detail into {"field.sub": [{code, message}]}."""
    out: dict[str, list[dict]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _field_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) or isinstance(item, str) for item in detail):
            for item in detail:
                code = getattr(item, "code", "invalid")
                out.setdefault(prefix or "non_field_errors", []).append(
                    {"code": code, "message": {"zh-hans": str(item), "en": str(item)}})
        else:
            for index, item in enumerate(detail):
                for k, v in _field_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(
            {"code": getattr(detail, "code", "invalid"), "message": {"zh-hans": str(detail), "en": str(detail)}})
    return out


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": errors.VALIDATION_FAILED.code, "message": errors.VALIDATION_FAILED.message(),
                "fields": _field_errors(exc.detail)}
        return Response({"error": body}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging take over
    code = _DRF_CODES.get(type(exc))
    if code is None:
        code = {exceptions.ParseError: PARSE_ERROR, exceptions.UnsupportedMediaType: UNSUPPORTED_MEDIA,
                exceptions.NotAcceptable: NOT_ACCEPTABLE}.get(type(exc))
    if code is None:
        code = ErrorCode(getattr(exc, "default_code", "error"), str(exc.detail), str(exc.detail), response.status_code)
    response.data = {"error": {"code": code.code, "message": code.message()}}
    return response
