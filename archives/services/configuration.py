"""The company's archive configuration (tenant administrators): categories and their custom
fields, classification vocabularies, departments, numbering, cadences, volumes."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from dangan.accounts import roles
from dangan.governance.services.audit import audit_record
from dangan.platform import errors as platform_errors
from dangan.platform.errors import ApplicationError

from .. import errors, numbering
from ..custom_fields import value_is_valid
from ..models import (
    ArchiveCategory, ArchiveSettings, ArchiveVolume, CadenceRule, ClassificationScheme, ClassificationTerm,
    CustomFieldDefinition, CustomFieldType, Customer, Department,
)
from .records import _full_clean

CATEGORY_FIELDS = ["code", "name", "description", "numbering_pattern", "review_interval_days", "default_kind",
                   "is_active", "sort"]
FIELD_FIELDS = ["label", "field_type", "required", "searchable", "choices", "help_text", "sort"]
DUPLICATE = errors.ErrorCode("duplicate", "“{value}”已存在。", "“{value}” already exists.", 409)


def require_admin(actor) -> None:
    if not roles.is_tenant_admin(actor):
        raise ApplicationError(platform_errors.PERMISSION_DENIED)


def _save_unique(instance, *, field: str, value) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ApplicationError(DUPLICATE, field=field, value=value) from exc


@transaction.atomic
def category_create(*, actor, code: str, name: str, **data) -> ArchiveCategory:
    require_admin(actor)
    category = ArchiveCategory(code=(code or "").strip().lower(), name=(name or "").strip(),
                               **{k: v for k, v in data.items() if k in CATEGORY_FIELDS})
    numbering.validate_pattern(category.numbering_pattern)
    _full_clean(category)
    _save_unique(category, field="code", value=category.code)
    audit_record(actor=actor, action="category.create", obj=category, summary={"code": category.code, "name": category.name})
    return category


@transaction.atomic
def category_update(*, actor, category: ArchiveCategory, **data) -> ArchiveCategory:
    """The code is part of issued archive numbers and never changes."""
    require_admin(actor)
    category = ArchiveCategory.objects.select_for_update().get(pk=category.pk)
    for key, value in data.items():
        if key in CATEGORY_FIELDS and key != "code":
            setattr(category, key, value)
    numbering.validate_pattern(category.numbering_pattern)
    _full_clean(category)
    category.save()
    audit_record(actor=actor, action="category.update", obj=category,
                 summary={"code": category.code, "fields": sorted(k for k in data if k in CATEGORY_FIELDS and k != "code")})
    return category


def _clean_choices(field_type: str, choices) -> list[dict]:
    if field_type not in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE):
        return []
    items = []
    for choice in choices or []:
        if isinstance(choice, dict):
            value, label = str(choice.get("value", "")).strip(), str(choice.get("label") or choice.get("value", "")).strip()
        else:
            value = label = str(choice).strip()
        if value:
            items.append({"value": value, "label": label})
    if not items or len({item["value"] for item in items}) != len(items):
        raise ApplicationError(errors.FIELD_INVALID, field="choices", zh="选项不能为空且不能重复。",
                               en="Choices must be non-empty and unique.")
    return items


@transaction.atomic
def field_define(*, actor, category: ArchiveCategory, key: str, label: str, field_type: str, **data) -> CustomFieldDefinition:
    require_admin(actor)
    if field_type not in CustomFieldType.values:
        raise ApplicationError(errors.FIELD_INVALID, field="field_type", zh="未知字段类型。", en="Unknown field type.")
    definition = CustomFieldDefinition(
        category=category, key=(key or "").strip().lower(), label=(label or "").strip(), field_type=field_type,
        **{k: v for k, v in data.items() if k in FIELD_FIELDS and k not in ("choices", "field_type")},
    )
    definition.choices = _clean_choices(field_type, data.get("choices"))
    _full_clean(definition, exclude=["category"])
    if CustomFieldDefinition.objects.filter(category=category, key=definition.key).exists():
        raise ApplicationError(errors.CUSTOM_FIELD_KEY_TAKEN, field="key", key=definition.key)
    definition.save()
    audit_record(actor=actor, action="custom_field.define", obj=definition,
                 summary={"category": category.code, "key": definition.key, "field_type": definition.field_type})
    return definition


@transaction.atomic
def field_update(*, actor, definition: CustomFieldDefinition, **data) -> CustomFieldDefinition:
    """Labels, help and order change freely (stored values follow the immutable key). A change
    of type or choices is refused while stored values would no longer validate."""
    require_admin(actor)
    definition = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
    for key, value in data.items():
        if key in FIELD_FIELDS and key != "choices":
            setattr(definition, key, value)
    if "choices" in data or "field_type" in data:
        definition.choices = _clean_choices(definition.field_type, data.get("choices", definition.choices))
    _full_clean(definition, exclude=["category"])
    stored = Customer.objects.filter(category=definition.category, custom_fields__has_key=definition.key)
    conflicts = sum(1 for values in stored.values_list("custom_fields", flat=True).iterator(chunk_size=2000)
                    if not value_is_valid(definition, values[definition.key]))
    if conflicts:
        raise ApplicationError(errors.CUSTOM_FIELD_CHANGE_CONFLICT, count=conflicts)
    if definition.required and "required" in data:
        missing = Customer.objects.filter(category=definition.category).exclude(
            custom_fields__has_key=definition.key).count()
        if missing:
            raise ApplicationError(errors.CUSTOM_FIELD_CHANGE_CONFLICT, count=missing)
    definition.save()
    audit_record(actor=actor, action="custom_field.update", obj=definition,
                 summary={"key": definition.key, "fields": sorted(k for k in data if k in FIELD_FIELDS)})
    return definition


@transaction.atomic
def field_deactivate(*, actor, definition: CustomFieldDefinition) -> CustomFieldDefinition:
    """Removing a field keeps what files already hold; it just stops being asked for."""
    require_admin(actor)
    definition.is_active = False
    definition.required = False
    definition.save(update_fields=["is_active", "required", "updated_at"])
    audit_record(actor=actor, action="custom_field.deactivate", obj=definition, summary={"key": definition.key})
    return definition


@transaction.atomic
def scheme_create(*, actor, code: str, name: str, description: str = "") -> ClassificationScheme:
    require_admin(actor)
    scheme = ClassificationScheme(code=(code or "").strip().lower(), name=(name or "").strip(), description=description)
    _full_clean(scheme, exclude=["code"])
    _save_unique(scheme, field="code", value=scheme.code)
    audit_record(actor=actor, action="classification_scheme.create", obj=scheme, summary={"code": scheme.code})
    return scheme


@transaction.atomic
def term_create(*, actor, scheme: ClassificationScheme, code: str, name: str, parent=None, sort: int = 0) -> ClassificationTerm:
    require_admin(actor)
    if parent is not None and parent.scheme_id != scheme.pk:
        raise ApplicationError(errors.FIELD_INVALID, field="parent", zh="上级分类须属于同一方案。",
                               en="The parent must belong to the same scheme.")
    term = ClassificationTerm(scheme=scheme, code=(code or "").strip(), name=(name or "").strip(), parent=parent, sort=sort)
    _full_clean(term, exclude=["scheme", "parent"])
    _save_unique(term, field="code", value=term.code)
    audit_record(actor=actor, action="classification_term.create", obj=term,
                 summary={"scheme": scheme.code, "code": term.code, "name": term.name})
    return term


@transaction.atomic
def term_update(*, actor, term: ClassificationTerm, **data) -> ClassificationTerm:
    """Renaming keeps every customer's classification (they point at the term)."""
    require_admin(actor)
    for key in ("name", "sort", "is_active"):
        if key in data:
            setattr(term, key, data[key])
    _full_clean(term, exclude=["scheme", "parent"])
    term.save()
    audit_record(actor=actor, action="classification_term.update", obj=term,
                 summary={"code": term.code, "fields": sorted(k for k in ("name", "sort", "is_active") if k in data)})
    return term


@transaction.atomic
def department_create(*, actor, code: str, name: str, parent=None, manager=None) -> Department:
    require_admin(actor)
    department = Department(code=(code or "").strip(), name=(name or "").strip(), parent=parent, manager=manager)
    _full_clean(department, exclude=["parent", "manager", "members"])
    _save_unique(department, field="code", value=department.code)
    audit_record(actor=actor, action="department.create", obj=department,
                 summary={"code": department.code, "name": department.name, "parent": department.parent_id,
                          "manager": department.manager_id})
    return department


@transaction.atomic
def department_set_members(*, actor, department: Department, members: list, manager=None) -> Department:
    require_admin(actor)
    department.members.set(members)
    if manager is not None:
        department.manager = manager
        department.save(update_fields=["manager"])
    audit_record(actor=actor, action="department.set_members", obj=department,
                 summary={"code": department.code, "members": sorted(m.pk for m in members),
                          "manager": department.manager_id})
    return department


CADENCE_FIELDS = ("name", "interval_days", "is_key_customer", "grade", "category")
# A zero-day cadence would make every file overdue the day it is filed; ten years is the
# longest any category asks for (the API and the forms take the same bounds).
CADENCE_MAX_DAYS = 3650


def _check_cadence(rule: CadenceRule) -> None:
    """A rule names what it applies to (a rule for every file is the category's own interval)
    and an interval a person could keep."""
    if rule.is_key_customer is None and rule.grade_id is None and rule.category_id is None:
        raise ApplicationError(errors.FIELD_INVALID, field="interval_days", zh="规则须指定适用范围。",
                               en="A rule must say what it applies to.")
    if rule.grade_id is not None and rule.grade.scheme.code != ClassificationScheme.GRADE:
        raise ApplicationError(errors.FIELD_INVALID, field="grade", zh="须为客户等级分类中的一项。",
                               en="Must be a term of the grade scheme.")
    if isinstance(rule.interval_days, int) and not 1 <= rule.interval_days <= CADENCE_MAX_DAYS:
        raise ApplicationError(errors.FIELD_INVALID, field="interval_days", zh=f"周期须在 1–{CADENCE_MAX_DAYS} 天之间。",
                               en=f"The interval must be 1–{CADENCE_MAX_DAYS} days.")
    _full_clean(rule, exclude=["grade", "category"])


@transaction.atomic
def cadence_rule_create(*, actor, name: str, interval_days: int, is_key_customer=None, grade=None,
                        category=None) -> CadenceRule:
    require_admin(actor)
    rule = CadenceRule(name=name, interval_days=interval_days, is_key_customer=is_key_customer, grade=grade,
                       category=category)
    _check_cadence(rule)
    rule.save()
    audit_record(actor=actor, action="cadence_rule.create", obj=rule,
                 summary={"interval_days": rule.interval_days, "is_key_customer": rule.is_key_customer,
                          "grade": rule.grade_id, "category": rule.category_id})
    return rule


@transaction.atomic
def cadence_rule_update(*, actor, rule: CadenceRule, **data) -> CadenceRule:
    """Same rules as creating one. Files keep their next review date until their next review
    (or filing) schedules them again under the changed rule."""
    require_admin(actor)
    rule = CadenceRule.objects.select_for_update().get(pk=rule.pk)
    for key in CADENCE_FIELDS:
        if key in data:
            setattr(rule, key, data[key])
    _check_cadence(rule)
    rule.save()
    audit_record(actor=actor, action="cadence_rule.update", obj=rule,
                 summary={"fields": sorted(k for k in data if k in CADENCE_FIELDS),
                          "interval_days": rule.interval_days, "is_key_customer": rule.is_key_customer,
                          "grade": rule.grade_id, "category": rule.category_id})
    return rule


@transaction.atomic
def cadence_rule_delete(*, actor, rule: CadenceRule) -> None:
    """A rule has no history of its own to keep (files hold their review dates), so it goes;
    the audit event remembers what it said."""
    require_admin(actor)
    summary = {"name": rule.name, "interval_days": rule.interval_days, "is_key_customer": rule.is_key_customer,
               "grade": rule.grade_id, "category": rule.category_id}
    audit_record(actor=actor, action="cadence_rule.delete", obj=rule, summary=summary)
    CadenceRule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def archive_settings_update(*, actor, **data) -> ArchiveSettings:
    require_admin(actor)
    settings = ArchiveSettings.load()
    for key in ("creation_deadline_days", "important_fields", "inactive_after_days"):
        if key in data:
            setattr(settings, key, data[key])
    if not isinstance(settings.important_fields, list) or not all(isinstance(f, str) for f in settings.important_fields):
        raise ApplicationError(errors.FIELD_INVALID, field="important_fields", zh="须为字段名列表。",
                               en="Must be a list of field names.")
    _full_clean(settings)
    settings.save()
    audit_record(actor=actor, action="archive_settings.update", obj=settings,
                 summary={k: getattr(settings, k) for k in ("creation_deadline_days", "important_fields",
                                                            "inactive_after_days") if k in data})
    return settings


@transaction.atomic
def volume_create(*, actor, code: str, name: str, **data) -> ArchiveVolume:
    if not (roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)):
        raise ApplicationError(errors.NOT_CUSTODIAN)
    volume = ArchiveVolume(code=(code or "").strip(), name=(name or "").strip(),
                           **{k: v for k, v in data.items() if k in ("kind", "category", "year", "location", "note", "custodian")})
    _full_clean(volume, exclude=["category", "custodian"])
    _save_unique(volume, field="code", value=volume.code)
    audit_record(actor=actor, action="volume.create", obj=volume, summary={"code": volume.code})
    return volume


@transaction.atomic
def volume_assign(*, actor, volume: ArchiveVolume | None, customers: list[Customer]) -> int:
    if not (roles.is_tenant_admin(actor) or roles.has_role(actor, roles.CUSTODIAN)):
        raise ApplicationError(errors.NOT_CUSTODIAN)
    ids = sorted(c.pk for c in customers)
    count = Customer.objects.filter(pk__in=ids).update(volume=volume)
    audit_record(actor=actor, action="volume.assign", obj=volume or ("archives.archivevolume", None),
                 summary={"customers": ids, "volume": volume.pk if volume else None})
    return count
