"""One error family for the whole product: a stable code plus a Chinese and an English message.

Services raise `ApplicationError(errors.SOME_CODE, field=…)`; the API maps it to
`{"error": {"code", "message": {"zh-hans", "en"}, "fields"}}` with the code's HTTP status, and the
web views show the message in the user's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language


# Every code by name, so that an error can be rebuilt from its code alone (Celery returns a
# task's exception to the caller as `type(*args)`; see ApplicationError.__reduce__).
_CODES: dict[str, "ErrorCode"] = {}


class _Missing(dict):
    """Format parameters that did not survive a trip (e.g. through a result backend) show as '…'."""

    def __missing__(self, key):
        return "…"


@dataclass(frozen=True)
class ErrorCode:
    code: str
    zh: str
    en: str
    status: int = 400

    def __post_init__(self) -> None:
        _CODES.setdefault(self.code, self)

    def message(self, **params: Any) -> dict[str, str]:
        values = _Missing(params)
        return {"zh-hans": self.zh.format_map(values), "en": self.en.format_map(values)}


def _rebuild(code: str, params: dict, fields: dict) -> "ApplicationError":
    return ApplicationError(code, fields=fields, **params)


class ApplicationError(Exception):
    def __init__(self, error: "ErrorCode | str", *, field: str | None = None,
                 fields: dict[str, list[dict]] | None = None, **params: Any) -> None:
        if isinstance(error, str):  # rebuilt from its code (pickle, Celery result backends)
            error = _CODES.get(error) or ErrorCode(error, error, error, 500)
        self.error = error
        self.params = params
        self.field = field
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append({"code": error.code, "message": error.message(**params)})
        # args is the code alone: what JSON result backends keep and `type(*args)` rebuilds.
        super().__init__(error.code)

    def __str__(self) -> str:
        return f"{self.error.code}: {self.message()['en']}"

    def __reduce__(self):
        return _rebuild, (self.error.code, self.params, self.fields)

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    def message(self) -> dict[str, str]:
        return self.error.message(**self.params)

    def localized(self) -> str:
        """The message in the active language (Chinese unless the user chose English)."""
        lang = (get_language() or "zh-hans").lower()
        return self.message()["en" if lang.startswith("en") else "zh-hans"]

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message()}
        if self.fields:
            body["fields"] = self.fields
        return body


# --- codes used across apps -------------------------------------------------------------------
VALIDATION_FAILED = ErrorCode("validation_failed", "提交的数据有误，请检查标出的字段。",
                              "Some fields are invalid; see the field errors.")
NOT_AUTHENTICATED = ErrorCode("not_authenticated", "请先登录。", "Authentication is required.", 401)
PERMISSION_DENIED = ErrorCode("permission_denied", "您没有执行此操作的权限。",
                              "You do not have permission to do this.", 403)
NOT_FOUND = ErrorCode("not_found", "未找到该资源。", "Not found.", 404)
METHOD_NOT_ALLOWED = ErrorCode("method_not_allowed", "不支持该请求方法。", "Method not allowed.", 405)
THROTTLED = ErrorCode("throttled", "请求过于频繁，请稍后再试。", "Too many requests; try again later.", 429)
SERVER_ERROR = ErrorCode("server_error", "服务器内部错误，请稍后再试。", "Internal server error.", 500)
TENANT_SUSPENDED = ErrorCode("tenant_suspended", "该公司账户已被暂停使用，请联系平台管理员。",
                             "This company account is suspended; contact the platform administrators.", 403)
TENANT_REQUIRED = ErrorCode("tenant_required", "此任务必须在某个公司的范围内运行。",
                            "This task must run inside a company (tenant) schema.", 500)
