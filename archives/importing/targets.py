"""What a column of an import file can feed, how headers are recognised, and how spreadsheet
cells become the values the services validate.

Labels come from the models' own verbose names (so the export's headers, the form labels and the
import's recognised headers never drift apart), plus the synonyms real registers use.
Conversion here is only about spreadsheet representation (a date cell, "是"/"否", the label
"企业" of a choice, a phone stored as a number); every rule about what is *valid* stays in the
services and custom_fields.py.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation

from dangan.governance import errors as governance_errors
from dangan.governance.writable import PROTECTED_FIELDS
from dangan.platform.errors import ApplicationError

from ..models import CustomFieldDefinition, Customer, SalesLedgerEntry
from . import errors

CUSTOM_PREFIX = "custom."
CONTACT_GROUPS = 3  # contact columns per row: 联系人 / 联系人2 / 联系人3 (and their phones …)
CONTACT_PARTS = {"name": ("联系人", "contact name", ["联系人姓名", "contact", "联系人名称"]),
                 "phone": ("电话", "phone", ["联系电话", "手机", "手机号", "手机号码", "电话号码", "mobile", "tel",
                                            "telephone", "联系人电话"]),
                 "email": ("电子邮箱", "e-mail", ["邮箱", "email", "联系人邮箱", "电邮"]),
                 "position": ("职务", "position", ["职位", "title", "联系人职务"])}


@dataclass(frozen=True)
class Target:
    key: str
    label: str  # Chinese, as exported
    label_en: str
    kind: str = "text"  # text / date / bool / choice / integer / decimal / ref / email / custom
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = field(default=())  # (value, label) for kind == "choice"


def _label(model, name: str) -> str:
    with translation.override("zh-hans"):
        return str(model._meta.get_field(name).verbose_name)


def _en(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _choices(model, name: str) -> tuple[tuple[str, str], ...]:
    with translation.override("zh-hans"):
        return tuple((str(value), str(label)) for value, label in model._meta.get_field(name).choices)


# target → (kind, extra header synonyms)
_CUSTOMER_SPEC: dict[str, tuple[str, list[str]]] = {
    "archive_number": ("text", ["编号", "客户编号", "档案号", "archive number", "archive no", "number"]),
    "name": ("text", ["名称", "客户", "单位名称", "客户姓名", "姓名", "公司名称", "name", "customer", "customer name"]),
    "kind": ("choice", ["类型", "客户类别（个人/企业）", "kind"]),
    "category": ("ref", ["类别", "客户类别", "档案类型", "category"]),
    "industry": ("ref", ["行业", "industry"]),
    "region": ("ref", ["片区", "区域", "所属片区", "所属地区", "region"]),
    "customer_type": ("ref", ["性质", "customer type"]),
    "cooperation_project": ("ref", ["项目", "cooperation project"]),
    "grade": ("ref", ["等级", "级别", "客户级别", "grade", "level"]),
    "department": ("ref", ["所属部门", "department"]),
    "is_key_customer": ("bool", ["是否重点客户", "key customer"]),
    "address": ("text", ["详细地址", "通讯地址", "联系地址", "address"]),
    "company_size": ("choice", ["规模", "company size"]),
    "legal_representative": ("text", ["法人代表", "法定代表人", "法人", "负责人", "legal representative"]),
    "owner": ("email", ["业务员", "负责业务员", "业务员邮箱", "负责人邮箱", "owner", "owner email", "salesperson"]),
    "trading_since": ("date", ["交易时间", "开始交易时间", "与本公司交易日期", "trading since"]),
    "assets": ("text", ["资产", "assets"]),
    "service_area": ("text", []),
    "sales_capacity": ("text", []),
    "development_potential": ("text", []),
    "business_policy": ("text", []),
    "sales_performance": ("text", []),
    "cooperation_attitude": ("text", []),
    "competitor_relations": ("text", []),
    "credit_status": ("text", ["信用", "credit"]),
    "trade_terms": ("text", []),
    "past_credit_problems": ("text", []),
    "first_contact_on": ("date", ["首次接触日期", "首次购买日期", "首次接触", "first contact"]),
}

_LEDGER_SPEC: dict[str, tuple[str, list[str]]] = {
    "archive_number": ("text", ["编号", "客户编号", "档案号", "archive number", "archive no"]),
    "sale_date": ("date", ["日期", "发货日期", "销售时间", "date", "sale date"]),
    "buyer_name": ("text", ["购货单位", "购买者", "购货人", "客户名称", "buyer", "buyer name"]),
    "buyer_contact": ("text", ["联系电话", "buyer contact"]),
    "voucher_number": ("text", ["凭证编号", "单据号", "发票号", "voucher", "voucher number"]),
    "page": ("integer", ["页码", "page"]),
    "manufacturer": ("text", ["厂家", "生产企业", "manufacturer"]),
    "shipping_batch": ("integer", ["批次", "shipping batch"]),
    "sales_department": ("text", ["部门", "sales department"]),
    "salesperson": ("text", ["销售员", "salesperson"]),
    "sales_type": ("choice", ["内外销", "sales type"]),
    "item_number": ("text", ["item number", "item no"]),
    "product_name": ("text", ["产品名称", "商品名称", "品名规格", "product", "product name"]),
    "packaging": ("text", ["packaging"]),
    "specification": ("text", ["specification", "spec"]),
    "quantity": ("decimal", ["quantity", "qty"]),
    "cartons": ("integer", ["件数", "cartons"]),
    "product_batch": ("text", ["批号", "生产批号", "batch", "product batch", "lot"]),
    "shelf_life_months": ("integer", ["保质期", "保质期(月)", "shelf life"]),
    "expiry_date": ("date", ["有效期", "有效期至", "expiry", "expiry date"]),
    "note": ("text", ["备注说明", "note", "remark"]),
}
_OWNER_LABEL = "负责人（业务员）"


def _customer_targets() -> list[Target]:
    targets = []
    for key, (kind, aliases) in _CUSTOMER_SPEC.items():
        label = _OWNER_LABEL if key == "owner" else _label(Customer, key)
        choices = _choices(Customer, key) if kind == "choice" else ()
        targets.append(Target(key, label, _en(key), kind, tuple(aliases), choices))
    for index in range(1, CONTACT_GROUPS + 1):
        suffix = "" if index == 1 else str(index)
        for part, (label, label_en, aliases) in CONTACT_PARTS.items():
            key = f"contact{suffix}_{part}"
            targets.append(Target(key, f"{label}{suffix}", label_en if index == 1 else f"{label_en} {index}", "text",
                                  tuple(f"{alias}{suffix}" for alias in aliases)))
    return targets


def _ledger_targets() -> list[Target]:
    targets = []
    for key, (kind, aliases) in _LEDGER_SPEC.items():
        model = Customer if key == "archive_number" else SalesLedgerEntry
        choices = _choices(SalesLedgerEntry, key) if kind == "choice" else ()
        targets.append(Target(key, _label(model, key), _en(key), kind, tuple(aliases), choices))
    return targets


def custom_targets(definitions) -> list[Target]:
    """One target per custom field key (a key may exist in several categories)."""
    by_key: dict[str, Target] = {}
    for definition in definitions:
        if definition.key in by_key:
            continue
        by_key[definition.key] = Target(f"{CUSTOM_PREFIX}{definition.key}", definition.label, definition.key,
                                        "custom", (definition.key, f"{definition.label}（{definition.key}）"))
    return list(by_key.values())


def active_definitions():
    return list(CustomFieldDefinition.objects.filter(is_active=True, category__is_active=True)
                .select_related("category").order_by("category__sort", "category_id", "sort", "pk"))


def targets_for(kind: str, definitions=None) -> list[Target]:
    if kind == "ledger":
        return _ledger_targets()
    return _customer_targets() + custom_targets(active_definitions() if definitions is None else definitions)


REQUIRED = {"customers": [("name", "archive_number")], "ledger": [("archive_number",), ("sale_date",),
                                                                    ("product_name",)]}


# --- recognising headers ----------------------------------------------------------------------
_DUPLICATE_SUFFIX = re.compile(r"^(.*\S)\s*\((\d+)\)$")


def normalize_header(text: str) -> str:
    """"客户名称*", "客户名称：", "Customer_Name" and "客户 名称" all read as the same header."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower().strip()
    text = text.strip("*:：").strip()
    return re.sub(r"[\s_\-]+", "", text)


def propose_mapping(kind: str, headers: list[str], targets: list[Target] | None = None) -> dict[str, str | None]:
    """The likeliest target of each header. Exact labels beat custom-field labels beat synonyms;
    a repeated contact header ("联系人", "联系人") fills the next contact group."""
    targets = targets if targets is not None else targets_for(kind)
    lookup: dict[str, tuple[int, str]] = {}

    def offer(name: str, priority: int, key: str) -> None:
        normalized = normalize_header(name)
        if normalized and (normalized not in lookup or lookup[normalized][0] > priority):
            lookup[normalized] = (priority, key)

    for target in targets:
        custom = target.kind == "custom"
        offer(target.label, 2 if custom else 1, target.key)
        offer(target.key, 2 if custom else 1, target.key)
        if not custom:
            offer(target.label_en, 3, target.key)
        for alias in target.aliases:
            offer(alias, 2 if custom else 3, target.key)
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        found = lookup.get(normalize_header(header))
        if found is None and (match := _DUPLICATE_SUFFIX.match(header)):
            found = lookup.get(normalize_header(match.group(1)))
        key = found[1] if found else None
        if key and key in taken and key.startswith("contact_"):
            part = key.split("_", 1)[1]
            key = next((f"contact{n}_{part}" for n in range(2, CONTACT_GROUPS + 1)
                        if f"contact{n}_{part}" not in taken), None)
        if key in taken:
            key = None
        if key:
            taken.add(key)
        mapping[header] = key
    return mapping


def clean_mapping(kind: str, headers: list[str], mapping: dict, targets: list[Target] | None = None) -> dict:
    """The user's mapping, checked: known headers, known targets, each target at most once, and
    the columns every row needs."""
    if not isinstance(mapping, dict):
        raise ApplicationError(errors.MAPPING_INVALID, field="mapping", zh="须为“表头: 字段”对象。",
                               en="must be an object of header: target.")
    known = {target.key for target in (targets if targets is not None else targets_for(kind))}
    cleaned: dict[str, str | None] = {header: None for header in headers}
    used: dict[str, str] = {}
    for header, target in mapping.items():
        if header not in cleaned:
            raise ApplicationError(errors.MAPPING_INVALID, field=f"mapping.{header}", zh=f"文件中没有列“{header}”。",
                                   en=f"the file has no column “{header}”.")
        if target in (None, ""):
            continue
        if target not in known and target in PROTECTED_FIELDS:
            # state, retention, legal hold …: the services' to decide, never a column's
            raise ApplicationError(governance_errors.FIELD_NOT_WRITABLE, field=f"mapping.{header}", name=target)
        if target not in known:
            raise ApplicationError(errors.MAPPING_INVALID, field=f"mapping.{header}", zh=f"未知字段“{target}”。",
                                   en=f"unknown target “{target}”.")
        if target in used:
            raise ApplicationError(errors.MAPPING_INVALID, field=f"mapping.{header}",
                                   zh=f"“{used[target]}”和“{header}”都对应到了“{target}”。",
                                   en=f"“{used[target]}” and “{header}” both map to “{target}”.")
        used[target] = header
        cleaned[header] = target
    missing = [" / ".join(group) for group in REQUIRED[kind] if not any(key in used for key in group)]
    if missing:
        raise ApplicationError(errors.MAPPING_INCOMPLETE, field="mapping", zh="、".join(missing), en=", ".join(missing))
    return cleaned


# --- cells → values ----------------------------------------------------------------------------
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "重点", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "", "f"}


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value) -> str:
    """A cell as the user typed it, for the error report."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def as_text(value) -> str:
    return display(value)


def as_date(value):
    """Date cells and the usual written forms (2026-03-08, 2026/3/8, 2026年3月8日, 20260308) become
    dates; anything else is passed on for the validator to refuse with its own message."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = display(value)
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return text
    return text


def as_bool(value):
    if isinstance(value, bool):
        return value
    text = display(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return text


def as_number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    return display(value)


def as_choice(target: Target, value) -> str:
    text = display(value)
    lowered = text.lower()
    for choice_value, label in target.choices:
        if lowered in (choice_value.lower(), label.lower()):
            return choice_value
    return text


def as_custom(value):
    """Custom fields keep types their validator understands (dates, numbers); a phone or ID
    number Excel stored as a number is written back without a trailing ".0"."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def coerce(target: Target, value):
    return converter(target)(value)


def converter(target: Target):
    """The function coerce() applies to the target's cells (chosen once per column)."""
    kind = target.kind
    if kind == "date":
        return as_date
    if kind == "bool":
        return as_bool
    if kind in ("integer", "decimal"):
        return as_number
    if kind == "choice":
        return lambda value: as_choice(target, value)
    if kind == "custom":
        return as_custom
    return as_text
