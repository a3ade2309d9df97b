"""Forms of the administrator's document and rule settings: document types, required-document
checklists and their items (with a condition on a custom field), update cadences, numbering
patterns and the archive settings. The services validate; these only parse."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from dangan.archives.models import (
    ArchiveCategory, ClassificationScheme, ClassificationTerm, Customer, CustomFieldType,
)
from dangan.documents.models import ChecklistItem, DocumentType, OriginalOrCopy
from dangan.documents.services.checklists import OPERATORS

# The service compares texts; these words make a yes/no field's condition hold for the value a
# file really stores (True / False), whichever way the administrator writes it.
TRUE_WORDS = {"true", "1", "yes", "y", "是", "真"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "假"}
# "in" takes several values; administrators type them with commas (either width) or 、.
LIST_SEPARATORS = (",", "，", "、", "\n")


def operator_labels() -> dict[str, str]:
    return {"eq": gettext("等于"), "ne": gettext("不等于"), "in": gettext("属于其中之一"),
            "set": gettext("已填写"), "unset": gettext("未填写")}


def describe_condition(condition: dict | None, labels: dict[str, str]) -> str:
    """A stored condition in words, e.g. “婚姻状况”等于“已婚”. Plain text: templates escape it."""
    if not condition:
        return ""
    field = labels.get(condition.get("field"), condition.get("field", ""))
    op = condition.get("op", "eq")
    value = condition.get("value")
    if op in ("set", "unset"):
        return gettext("“%(field)s”%(op)s") % {"field": field, "op": operator_labels()[op]}
    shown = "、".join(_value_text(v) for v in value) if isinstance(value, list) else _value_text(value)
    return gettext("“%(field)s”%(op)s“%(value)s”") % {"field": field, "op": operator_labels().get(op, op),
                                                      "value": shown}


def _value_text(value) -> str:
    if value is True:
        return gettext("是")
    if value is False:
        return gettext("否")
    return str(value)


def field_labels(category: ArchiveCategory) -> dict[str, str]:
    """Key → label of every field of the category, deactivated ones too (old conditions name them)."""
    return {f.key: f.label for f in category.fields.all()}


# --- document types --------------------------------------------------------------------------------

class DocumentTypeForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40,
                           help_text=_("英文字母、数字、下划线，如 id_card；创建后不能修改（清单和接口以代码引用）"))
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    default_original_or_copy = forms.ChoiceField(label=_("默认原件/复印件"), choices=OriginalOrCopy.choices,
                                                 initial=OriginalOrCopy.COPY)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=100_000, initial=0)


class DocumentTypeEditForm(DocumentTypeForm):
    code = None
    is_active = forms.BooleanField(label=_("启用"), required=False,
                                   help_text=_("停用后不能再选用；已有资料保留其类型"))

    @classmethod
    def for_type(cls, document_type: DocumentType, data=None):
        return cls(data, initial={name: getattr(document_type, name) for name in (
            "name", "description", "default_original_or_copy", "sort", "is_active")})


# --- conditions ------------------------------------------------------------------------------------

class ConditionFields(forms.Form):
    """Field, operator and value of an optional condition on the category's custom fields,
    turned into the dict validate_condition() checks: {"field", "op"[, "value"]}."""

    condition_field = forms.ChoiceField(label=_("条件字段"), required=False)
    condition_op = forms.ChoiceField(label=_("条件运算"), required=False)
    condition_value = forms.CharField(label=_("条件值"), max_length=500, required=False,
                                      help_text=_("“属于其中之一”可填多个值，用逗号或顿号分隔；是/否字段填“是”或“否”"))

    def __init__(self, *args, category: ArchiveCategory, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.active_fields = {f.key: f for f in category.fields.filter(is_active=True)}
        self.fields["condition_field"].choices = [("", gettext("（无条件：始终适用）"))] + [
            (key, f"{f.label}（{key}）") for key, f in self.active_fields.items()]
        self.fields["condition_op"].choices = [(op, label) for op, label in operator_labels().items()
                                               if op in OPERATORS]

    @staticmethod
    def initial_for(condition: dict | None) -> dict:
        if not condition:
            return {}
        value = condition.get("value")
        text = "、".join(_value_text(v) for v in value) if isinstance(value, list) else (
            "" if value is None else _value_text(value))
        return {"condition_field": condition.get("field", ""), "condition_op": condition.get("op", "eq"),
                "condition_value": text}

    def condition(self) -> dict | None:
        key = self.cleaned_data.get("condition_field")
        if not key:
            return None
        op = self.cleaned_data.get("condition_op") or "eq"
        condition = {"field": key, "op": op}
        if op in ("set", "unset"):
            return condition
        text = (self.cleaned_data.get("condition_value") or "").strip()
        definition = self.active_fields.get(key)
        if op == "in":
            for separator in LIST_SEPARATORS[1:]:
                text = text.replace(separator, LIST_SEPARATORS[0])
            condition["value"] = [self._typed(definition, part.strip()) for part in text.split(",") if part.strip()]
        else:
            condition["value"] = self._typed(definition, text)
        return condition

    @staticmethod
    def _typed(definition, text: str):
        if definition is not None and definition.field_type == CustomFieldType.BOOLEAN:
            if text.lower() in TRUE_WORDS:
                return True
            if text.lower() in FALSE_WORDS:
                return False
        return text

    def choice_hints(self) -> list[tuple[str, str]]:
        """(field label, its choices) of the choice fields, shown beside the value box."""
        return [(f.label, "、".join(str(choice.get("value", "")) for choice in f.choices))
                for f in self.active_fields.values() if f.choices]


def condition_error_field(key: str) -> str:
    # The service names the whole condition; what it refuses is nearly always the value
    # (the field list and the operators come from the form's own choices).
    return "condition_value" if key == "condition" else key


# --- checklists ------------------------------------------------------------------------------------

class ChecklistForm(ConditionFields):
    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=100_000, initial=0)
    field_order = ["name", "description", "sort", "condition_field", "condition_op", "condition_value"]

    def service_data(self) -> dict:
        return {"name": self.cleaned_data["name"], "description": self.cleaned_data["description"],
                "sort": self.cleaned_data["sort"], "condition": self.condition()}


class ChecklistEditForm(ChecklistForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)

    @classmethod
    def for_checklist(cls, checklist, data=None):
        initial = {"name": checklist.name, "description": checklist.description, "sort": checklist.sort,
                   "is_active": checklist.is_active, **cls.initial_for(checklist.condition)}
        return cls(data, initial=initial, category=checklist.category)

    def service_data(self) -> dict:
        return {**super().service_data(), "is_active": self.cleaned_data["is_active"]}


class DocumentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class ChecklistItemForm(ConditionFields):
    document_type = DocumentTypeChoiceField(label=_("资料类型"), queryset=DocumentType.objects.none())
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=100, initial=1)
    original_or_copy = forms.ChoiceField(label=_("原件/复印件"), choices=ChecklistItem.Form.choices,
                                         initial=ChecklistItem.Form.COPY)
    required = forms.BooleanField(label=_("必备"), required=False, initial=True,
                                  help_text=_("不勾选：计入完整度，但不阻止归档"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=100_000, initial=0)
    field_order = ["document_type", "copies", "original_or_copy", "required", "note", "sort",
                   "condition_field", "condition_op", "condition_value"]

    def __init__(self, *args, current_type: DocumentType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Active types, and the item's own even if it was deactivated since (it may stay).
        types = DocumentType.objects.filter(is_active=True)
        if current_type is not None:
            types = types | DocumentType.objects.filter(pk=current_type.pk)
        self.fields["document_type"].queryset = types.order_by("sort", "pk")

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in (
            "document_type", "copies", "original_or_copy", "required", "note", "sort")}
        return {**data, "condition": self.condition()}


class ChecklistItemEditForm(ChecklistItemForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)

    @classmethod
    def for_item(cls, item, data=None):
        initial = {name: getattr(item, name) for name in (
            "document_type", "copies", "original_or_copy", "required", "note", "sort", "is_active")}
        return cls(data, initial={**initial, **cls.initial_for(item.condition)},
                   category=item.checklist.category, current_type=item.document_type)

    def service_data(self) -> dict:
        return {**super().service_data(), "is_active": self.cleaned_data["is_active"]}


# --- update cadences -------------------------------------------------------------------------------

class KeyCustomerChoice(forms.TypedChoiceField):
    """Null-boolean as a select: any file / key customers only / other customers only."""

    def __init__(self, **kwargs):
        super().__init__(choices=[("", _("不限")), ("true", _("仅重点客户")), ("false", _("仅非重点客户"))],
                         coerce=lambda value: value == "true", empty_value=None, required=False, **kwargs)


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CadenceRuleForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    interval_days = forms.IntegerField(label=_("周期（天）"), min_value=1, max_value=3650,
                                       help_text=_("如每月 30、每季度 90"))
    is_key_customer = KeyCustomerChoice(label=_("重点客户"))
    grade = TermChoiceField(label=_("客户等级"), required=False, empty_label=_("不限"),
                            queryset=ClassificationTerm.objects.none())
    category = forms.ModelChoiceField(label=_("档案类别"), required=False, empty_label=_("不限"),
                                      queryset=ArchiveCategory.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = ClassificationTerm.objects.filter(scheme__code=ClassificationScheme.GRADE)
        self.fields["category"].queryset = ArchiveCategory.objects.all()

    @classmethod
    def for_rule(cls, rule, data=None):
        key = {True: "true", False: "false"}.get(rule.is_key_customer, "")
        return cls(data, initial={"name": rule.name, "interval_days": rule.interval_days, "is_key_customer": key,
                                  "grade": rule.grade_id, "category": rule.category_id})


# --- numbering and archive settings -------------------------------------------------------------------

class NumberingPatternForm(forms.Form):
    numbering_pattern = forms.CharField(
        label=_("编号规则"), max_length=120,
        help_text=_("占位符：{category} 类别代码、{region} 地区、{dept} 部门、{yyyy}/{yy} 年、{mm} 月、{seq:05} 五位序号"))


# Built-in customer fields an administrator may mark important (changes to them on a filed
# file wait for a supervisor); "contacts" and "phone" stand for the contact list.
IMPORTANT_BUILT_IN = ["name", "contacts", "phone", "address", "credit_status", "legal_representative",
                      "trade_terms", "kind", "company_size", "assets", "industry", "region", "customer_type",
                      "cooperation_project", "grade", "department", "is_key_customer"]


def important_field_choices(current: list[str]) -> list[tuple[str, str]]:
    labels = {"contacts": gettext("联系人"), "phone": gettext("联系电话")}
    choices = []
    for name in IMPORTANT_BUILT_IN:
        label = labels.get(name) or str(Customer._meta.get_field(name).verbose_name)
        choices.append((name, label))
    seen = set(IMPORTANT_BUILT_IN)
    from dangan.archives.models import CustomFieldDefinition

    for definition in CustomFieldDefinition.objects.filter(is_active=True).select_related("category") \
            .order_by("category__sort", "category_id", "sort", "pk"):
        if definition.key not in seen:
            seen.add(definition.key)
            choices.append((definition.key, f"{definition.category.name} · {definition.label}"))
    # A name set through the API that the list does not know stays choosable (and chosen).
    choices += [(name, name) for name in current if name not in seen]
    return choices


class ArchiveSettingsForm(forms.Form):
    creation_deadline_days = forms.IntegerField(label=_("建档期限（天）"), min_value=1, max_value=365,
                                                help_text=_("首次接触或首次购买后多少天内须建档"))
    inactive_after_days = forms.IntegerField(label=_("不活跃转封存（天）"), min_value=1, max_value=36500)
    important_fields = forms.MultipleChoiceField(
        label=_("重要信息字段"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("已归档档案的这些字段修改后须经主管审核才生效"))

    def __init__(self, *args, current: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["important_fields"].choices = important_field_choices(current)
