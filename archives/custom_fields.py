"""Validation of tenant-defined custom field values (every write path: API, import, UI)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from dangan.platform.errors import ApplicationError

from . import errors
from .models import CustomFieldDefinition, CustomFieldType

# Mainland mobile (1[3-9]x), landline with area code (010-12345678, 0755 1234567, ext.), or +86.
PHONE_PATTERN = re.compile(r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}([- ]\d{1,6})?)$")
CN_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
TEXT_MAX = 500
LONG_TEXT_MAX = 10_000


def cn_id_is_valid(value: str) -> bool:
    """GB 11643: 18 characters, a real birth date, and the ISO 7064 MOD 11-2 check digit."""
    if not CN_ID_PATTERN.match(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17]


class _Invalid(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en


def _clean_value(definition: CustomFieldDefinition, value):
    kind = definition.field_type
    if kind in (CustomFieldType.TEXT, CustomFieldType.LONG_TEXT):
        limit = TEXT_MAX if kind == CustomFieldType.TEXT else LONG_TEXT_MAX
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _Invalid("请输入文本。", "Enter text.")
        value = str(value).strip()
        if len(value) > limit:
            raise _Invalid(f"不能超过 {limit} 个字符。", f"At most {limit} characters.")
        return value
    if kind == CustomFieldType.NUMBER:
        if isinstance(value, bool):
            raise _Invalid("请输入整数。", "Enter a whole number.")
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise _Invalid("请输入整数。", "Enter a whole number.") from None
        if abs(number) > 10**15:
            raise _Invalid("数值过大。", "The number is too large.")
        return number
    if kind == CustomFieldType.DECIMAL:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, TypeError, ValueError):
            raise _Invalid("请输入数字。", "Enter a number.") from None
        if not number.is_finite() or abs(number) > Decimal(10) ** 15:
            raise _Invalid("请输入有效数字。", "Enter a valid number.")
        return str(number)  # JSON keeps decimals as strings: no float rounding
    if kind == CustomFieldType.DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise _Invalid("请输入有效日期（YYYY-MM-DD）。", "Enter a valid date (YYYY-MM-DD).") from None
    if kind == CustomFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "是", "y"):
            return True
        if text in ("false", "0", "no", "否", "n"):
            return False
        raise _Invalid("请选择是或否。", "Choose yes or no.")
    if kind == CustomFieldType.CHOICE:
        value = str(value).strip()
        if value not in definition.choice_values():
            raise _Invalid(f"“{value}”不是有效选项。", f"“{value}” is not a valid choice.")
        return value
    if kind == CustomFieldType.MULTI_CHOICE:
        if isinstance(value, str):
            value = [part.strip() for part in re.split(r"[,，;；]", value) if part.strip()]
        if not isinstance(value, (list, tuple)):
            raise _Invalid("请选择一个或多个选项。", "Choose one or more options.")
        values = [str(item).strip() for item in value]
        unknown = [item for item in values if item not in definition.choice_values()]
        if unknown:
            raise _Invalid(f"无效选项：{'、'.join(unknown)}", f"Invalid choices: {', '.join(unknown)}")
        return sorted(set(values), key=values.index)
    if kind == CustomFieldType.PHONE:
        value = str(value).strip()
        if not PHONE_PATTERN.match(value):
            raise _Invalid("请输入有效的电话号码。", "Enter a valid phone number.")
        return value
    if kind == CustomFieldType.CN_ID:
        value = str(value).strip().upper()
        if not cn_id_is_valid(value):
            raise _Invalid("身份证号码无效（长度、出生日期或校验位不正确）。",
                           "Invalid Chinese ID number (length, birth date or check digit).")
        return value
    if kind == CustomFieldType.EMAIL:
        value = str(value).strip()
        try:
            validate_email(value)
        except ValidationError:
            raise _Invalid("请输入有效的电子邮箱地址。", "Enter a valid email address.") from None
        return value.lower()
    raise _Invalid("未知字段类型。", "Unknown field type.")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _same_amount(stored, cleaned: str) -> bool:
    try:
        return stored is not None and Decimal(str(stored)) == Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return False


def clean_custom_values(category, incoming: dict | None, *, existing: dict | None = None) -> dict:
    """Validate `incoming` against the category's active definitions and merge it over
    `existing`. Values of deactivated fields already stored are kept untouched (history keeps
    its meaning); writing to an unknown or deactivated field is an error. All problems are
    reported at once as field errors `custom_fields.<key>`."""
    if incoming is not None and not isinstance(incoming, dict):
        raise ApplicationError(errors.FIELD_INVALID, field="custom_fields", zh="自定义字段须为对象。",
                               en="custom_fields must be an object.")
    definitions = {d.key: d for d in category.fields.all()}
    active = {key: d for key, d in definitions.items() if d.is_active}
    result = dict(existing or {})
    problems: dict[str, list] = {}

    def add(key: str, error: ApplicationError) -> None:
        for items in error.fields.values():
            problems.setdefault(f"custom_fields.{key}", []).extend(items)

    for key, value in (incoming or {}).items():
        definition = active.get(key)
        if definition is None:
            add(key, ApplicationError(errors.CUSTOM_FIELD_UNKNOWN, field="x", key=key))
            continue
        if _is_empty(value):
            result.pop(key, None)
            continue
        try:
            cleaned = _clean_value(definition, value)
        except _Invalid as exc:
            add(key, ApplicationError(errors.FIELD_INVALID, field="x", zh=exc.zh, en=exc.en))
            continue
        if definition.field_type == CustomFieldType.DECIMAL and _same_amount(result.get(key), cleaned):
            continue  # "50000" for a stored "50000.00" (an exported sheet sent back): no change
        result[key] = cleaned
    for key, definition in active.items():
        if definition.required and _is_empty(result.get(key)) and f"custom_fields.{key}" not in problems:
            add(key, ApplicationError(errors.FIELD_REQUIRED, field="x"))
    if problems:
        from dangan.platform import errors as platform_errors

        raise ApplicationError(platform_errors.VALIDATION_FAILED, fields=problems)
    return result


def value_is_valid(definition: CustomFieldDefinition, value) -> bool:
    try:
        _clean_value(definition, value)
        return True
    except _Invalid:
        return False
