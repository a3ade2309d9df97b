"""Forms of the customer pages. They parse what a person typed into what the services take;
the services validate it (and their errors are put back on these fields by
web.common.add_service_errors), so a rule is never written twice."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.accounts.models import User
from dangan.archives.models import (
    ArchiveCategory, ClassificationScheme, ClassificationTerm, CustomFieldType, Customer, CustomerState, Department,
)
from dangan.archives.services.customers import CLASSIFICATION_FIELDS

CUSTOM_PREFIX = "cf_"
YES_NO = [("", _("不限")), ("1", _("是")), ("0", _("否"))]
# Long free-text fields of the file get a text area; the rest are one line.
TEXT_AREAS = {"business_policy", "sales_performance", "competitor_relations", "trade_terms", "past_credit_problems"}
PLAIN_FIELDS = [
    "name", "kind", "address", "company_size", "legal_representative", "trading_since", "first_contact_on", "assets",
    "is_key_customer", "service_area", "sales_capacity", "development_potential", "cooperation_attitude",
    "business_policy", "sales_performance", "competitor_relations", "credit_status", "trade_terms",
    "past_credit_problems",
]
# How the form groups the file's fields (R1): each fieldset a heading and its field names.
FIELDSETS = [
    (_("基本信息"), ["name", "kind", "category_display", "department", "address", "company_size",
                    "legal_representative", "trading_since", "first_contact_on", "assets", "is_key_customer"]),
    (_("分类"), ["industry", "region", "customer_type", "cooperation_project", "grade"]),
    (_("特征与经营状况"), ["service_area", "sales_capacity", "development_potential", "cooperation_attitude",
                         "business_policy", "sales_performance", "competitor_relations"]),
    (_("交易状况"), ["credit_status", "trade_terms", "past_credit_problems"]),
]


def _terms(scheme: str):
    return ClassificationTerm.objects.filter(scheme__code=scheme, is_active=True).order_by("sort", "pk")


def _scheme_names() -> dict[str, str]:
    # The company names its vocabularies (地区（六大片区）…): label the fields the same way.
    return dict(ClassificationScheme.objects.values_list("code", "name"))


def _model_label(name: str) -> str:
    return Customer._meta.get_field(name).verbose_name


class CategoryChoiceForm(forms.Form):
    category = forms.ModelChoiceField(label=_("档案类别"), queryset=ArchiveCategory.objects.filter(is_active=True),
                                      empty_label=None)


def custom_form_field(definition) -> forms.Field:
    """A form field for one custom-field definition. Values are passed to the service as typed,
    so its messages (phone, ID check digit, e-mail …) are the ones a person sees."""
    kind = definition.field_type
    attrs = {"aria-required": "true"} if definition.required else {}
    common = {"label": definition.label, "required": False, "help_text": definition.help_text}
    choices = [(c["value"], c.get("label") or c["value"]) for c in definition.choices or []]
    if kind == CustomFieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, **attrs}), strip=False, **common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + choices, widget=forms.Select(attrs=attrs), **common)
    if kind == CustomFieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple(attrs=attrs), **common)
    if kind == CustomFieldType.BOOLEAN:
        # Three states: "not answered" must stay distinguishable from "no".
        return forms.ChoiceField(choices=[("", "—"), ("true", _("是")), ("false", _("否"))],
                                 widget=forms.Select(attrs=attrs), **common)
    input_types = {CustomFieldType.DATE: "date", CustomFieldType.PHONE: "tel", CustomFieldType.EMAIL: "email",
                   CustomFieldType.NUMBER: "text", CustomFieldType.DECIMAL: "text"}
    if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL):
        attrs["inputmode"] = "numeric" if kind == CustomFieldType.NUMBER else "decimal"
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_types.get(kind, "text")
    return forms.CharField(widget=widget, **common)


def _marked_required(field: forms.Field, required: bool) -> forms.Field:
    # The service enforces "required" (its message is the one shown); the form only marks it.
    field.show_required = required
    return field


def custom_initial(definition, value):
    if value is None:
        return None
    if definition.field_type == CustomFieldType.BOOLEAN:
        return "true" if value else "false"
    return value


class CustomerForm(forms.Form):
    """The file's own fields plus its category's active custom fields (`cf_<key>`)."""

    name = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=Customer.Kind.choices)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    industry = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False)
    region = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False)
    customer_type = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False)
    cooperation_project = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False)
    grade = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False)
    company_size = forms.ChoiceField(choices=[("", "—")] + Customer.CompanySize.choices, required=False)
    trading_since = forms.CharField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    first_contact_on = forms.CharField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_key_customer = forms.BooleanField(required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("变更原因"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("已归档档案的重要信息（名称、联系人、电话、地址、信用状况等）变更须经主管审批，请说明原因。"))

    def __init__(self, *args, category: ArchiveCategory, customer: Customer | None = None, **kwargs):
        self.category = category
        self.customer = customer
        super().__init__(*args, **kwargs)
        for name in PLAIN_FIELDS:
            if name not in self.fields:
                widget = forms.Textarea(attrs={"rows": 2}) if name in TEXT_AREAS else forms.TextInput
                self.fields[name] = forms.CharField(required=False, widget=widget,
                                                    max_length=Customer._meta.get_field(name).max_length)
            self.fields[name].label = _model_label(name)
        self.fields["name"].widget.attrs.update({"aria-required": "true", "autocomplete": "off"})
        _marked_required(self.fields["name"], True)
        schemes = _scheme_names()
        for field, scheme in CLASSIFICATION_FIELDS.items():
            self.fields[field].queryset = _terms(scheme)
            self.fields[field].label = schemes.get(scheme) or _model_label(field)
            self.fields[field].empty_label = "—"
        self.fields["department"].label = _model_label("department")
        self.fields["department"].empty_label = "—"
        self.definitions = [d for d in category.fields.all() if d.is_active]
        for definition in self.definitions:
            self.fields[CUSTOM_PREFIX + definition.key] = _marked_required(custom_form_field(definition),
                                                                           definition.required)
        if customer is None:
            del self.fields["reason"]
            del self.fields["version"]
        elif not customer.is_filed:
            del self.fields["reason"]  # only filed files hold changes for a supervisor
        if customer is not None and not self.is_bound:
            self.initial.update(self._initial_from(customer))

    def _initial_from(self, customer: Customer) -> dict:
        initial = {name: getattr(customer, name) for name in PLAIN_FIELDS}
        for name in ("trading_since", "first_contact_on"):
            initial[name] = initial[name].isoformat() if initial[name] else ""
        for name in [*CLASSIFICATION_FIELDS, "department"]:
            initial[name] = getattr(customer, f"{name}_id")
        for definition in self.definitions:
            initial[CUSTOM_PREFIX + definition.key] = custom_initial(definition, (customer.custom_fields or {}).get(definition.key))
        initial["version"] = customer.version
        return initial

    def custom_bound_fields(self):
        return [self[CUSTOM_PREFIX + d.key] for d in self.definitions]

    def fieldsets(self):
        for legend, names in FIELDSETS:
            yield legend, [self[name] for name in names if name in self.fields]

    def service_data(self) -> dict:
        """What customer_create / customer_update take: plain values, references by id, custom values."""
        data = {name: self.cleaned_data.get(name) for name in PLAIN_FIELDS}
        for name in [*CLASSIFICATION_FIELDS, "department"]:
            value = self.cleaned_data.get(name)
            data[name] = value.pk if value is not None else None
        custom = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(CUSTOM_PREFIX + definition.key)
            if definition.field_type == CustomFieldType.BOOLEAN:
                value = {"true": True, "false": False}.get(value)
            custom[definition.key] = value if value not in ("", []) else None
        data["custom_fields"] = custom
        return data

    @staticmethod
    def field_for_error(key: str) -> str:
        """A service error key as this form's field name (custom_fields.x → cf_x)."""
        if key.startswith("custom_fields."):
            return CUSTOM_PREFIX + key.split(".", 1)[1]
        return key


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("电话"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False,
                            widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}))
    position = forms.CharField(label=_("职务"), max_length=100, required=False)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)


ContactFormSet = forms.formset_factory(ContactForm, extra=1, can_delete=True, max_num=50, absolute_max=50)


def contact_initial(customer: Customer) -> list[dict]:
    return [{"name": c.name, "phone": c.phone, "email": c.email, "position": c.position, "is_primary": c.is_primary}
            for c in customer.contacts.all()]


def contacts_from(formset) -> tuple[list[dict], list[int]]:
    """The contacts to send, and for each the index of the form it came from (so the
    service's `contacts.<n>.field` errors land on the right row). Blank and deleted rows are left out."""
    rows, order = [], []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or not any(data.get(k) for k in ("name", "phone", "email", "position")):
            continue
        rows.append({k: data.get(k) or "" for k in ("name", "phone", "email", "position")}
                    | {"is_primary": bool(data.get("is_primary"))})
        order.append(index)
    return rows, order


class CustomerFilterForm(forms.Form):
    """The list's filters, as selectors.customer_list takes them."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "placeholder": _("名称、拼音或首字母、编号、电话、联系人")}))
    category = forms.ModelChoiceField(label=_("档案类别"), queryset=ArchiveCategory.objects.all(), required=False,
                                      empty_label=_("全部"))
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))] + CustomerState.choices, required=False)
    grade = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False, empty_label=_("全部"))
    region = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False, empty_label=_("全部"))
    industry = forms.ModelChoiceField(queryset=ClassificationTerm.objects.none(), required=False,
                                      empty_label=_("全部"))
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.all(), required=False,
                                        empty_label=_("全部"))
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.filter(is_active=True).order_by("full_name"),
                                   required=False, empty_label=_("全部"))
    is_key_customer = forms.ChoiceField(label=_("重点客户"), choices=YES_NO, required=False)
    overdue = forms.ChoiceField(label=_("更新逾期"), choices=YES_NO, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schemes = _scheme_names()
        for field in ("grade", "region", "industry"):
            self.fields[field].queryset = ClassificationTerm.objects.filter(scheme__code=field).order_by("sort", "pk")
            self.fields[field].label = schemes.get(field) or _model_label(field)

    def filters(self) -> dict:
        """Only the filters that are set; an invalid value is dropped rather than widening nothing."""
        if not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        filters: dict = {}
        for key, value in data.items():
            if value in (None, ""):
                continue
            if key in ("is_key_customer", "overdue"):
                filters[key] = value == "1"
            elif hasattr(value, "pk"):
                filters[key] = value.pk
            else:
                filters[key] = value.strip() if isinstance(value, str) else value
        return filters


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("筛选名称"), max_length=60)
