"""Signup input rules. Each failure is an ApplicationError naming its field."""
from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from dangan.platform import errors
from dangan.platform.errors import ApplicationError, ErrorCode

# Subdomains that name parts of the platform itself, or that users would mistake for it.
RESERVED_SLUGS = frozenset({
    "www", "api", "admin", "static", "media", "app", "apps", "mail", "smtp", "imap", "pop", "ftp",
    "console", "platform", "staff", "support", "help", "docs", "status", "blog", "cdn", "assets",
    "auth", "login", "signup", "register", "account", "accounts", "billing", "dashboard", "demo-admin",
    "public", "template", "tenant", "tenants", "system", "root", "dangan", "test", "localhost",
    "healthz", "readyz", "ns1", "ns2", "dev", "staging", "prod", "internal",
})
# 3–40 characters: lowercase letters, digits and single hyphens; starts with a letter.
SLUG_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$")

SLUG_REQUIRED = ErrorCode("slug_required", "请填写子域名。", "Choose a subdomain.")
SLUG_INVALID = ErrorCode(
    "slug_invalid",
    "子域名须为 3–40 个字符，只能包含小写字母、数字和连字符，并以字母开头。",
    "The subdomain must be 3–40 characters of lowercase letters, digits and hyphens, starting with a letter.",
)
SLUG_RESERVED = ErrorCode("slug_reserved", "子域名“{slug}”为系统保留，请换一个。",
                          "The subdomain “{slug}” is reserved; choose another.")
SLUG_TAKEN = ErrorCode("slug_taken", "子域名“{slug}”已被使用。", "The subdomain “{slug}” is already taken.", 409)
NAME_REQUIRED = ErrorCode("company_name_required", "请填写公司名称。", "Enter the company name.")
NAME_TOO_LONG = ErrorCode("company_name_too_long", "公司名称不能超过 200 个字符。",
                          "The company name may have at most 200 characters.")
ADMIN_NAME_REQUIRED = ErrorCode("admin_name_required", "请填写管理员姓名。", "Enter the administrator's name.")
EMAIL_INVALID = ErrorCode("email_invalid", "请输入有效的电子邮箱地址。", "Enter a valid email address.")
EMAIL_TAKEN = ErrorCode("email_taken", "该邮箱已注册过公司，请直接登录或换一个邮箱。",
                        "This email has already signed up a company; log in or use another email.", 409)
PASSWORD_WEAK = ErrorCode("password_weak", "密码不够安全：{zh}", "The password is too weak: {en}")


def normalize_slug(raw: str) -> str:
    return (raw or "").strip().lower()


def schema_name_for(slug: str) -> str:
    """`t_` keeps tenant schemas apart from PostgreSQL's own (pg_*) and ours (public, template)."""
    return "t_" + slug.replace("-", "_")


def validate_slug(slug: str) -> None:
    if not slug:
        raise ApplicationError(SLUG_REQUIRED, field="slug")
    if not SLUG_PATTERN.match(slug):
        raise ApplicationError(SLUG_INVALID, field="slug")
    if slug in RESERVED_SLUGS:
        raise ApplicationError(SLUG_RESERVED, field="slug", slug=slug)


def _password_messages(password: str, user) -> tuple[str, str] | None:
    messages = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                messages[lang] = " ".join(exc.messages)
    if not messages:
        return None
    return messages["zh-hans"], messages["en"]


def validate_signup(*, company_name: str, slug: str, admin_name: str, admin_email: str, admin_password: str) -> None:
    """Collect every field's problem at once so a form can show them all."""
    from dangan.accounts.models import User

    problems: list[ApplicationError] = []
    if not company_name:
        problems.append(ApplicationError(NAME_REQUIRED, field="company_name"))
    elif len(company_name) > 200:
        problems.append(ApplicationError(NAME_TOO_LONG, field="company_name"))
    try:
        validate_slug(slug)
    except ApplicationError as exc:
        problems.append(exc)
    if not admin_name:
        problems.append(ApplicationError(ADMIN_NAME_REQUIRED, field="admin_name"))
    try:
        validate_email(admin_email)
    except ValidationError:
        problems.append(ApplicationError(EMAIL_INVALID, field="admin_email"))
    weak = _password_messages(admin_password or "", User(email=admin_email, full_name=admin_name))
    if weak:
        problems.append(ApplicationError(PASSWORD_WEAK, field="admin_password", zh=weak[0], en=weak[1]))
    if problems:
        fields: dict = {}
        for problem in problems:
            for name, items in problem.fields.items():
                fields.setdefault(name, []).extend(items)
        if len(problems) == 1:
            raise problems[0]
        raise ApplicationError(errors.VALIDATION_FAILED, fields=fields)
