"""Forms of the administrator's governance settings (密级, 敏感信息显示, 借阅规则).

They parse; governance/services decide. Bounds that mirror a service's (rank 0–1000, days)
are only there so a typo is caught before the round trip; the service checks again.
"""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.accounts import roles
from dangan.accounts.selectors import company_users
from dangan.governance import selectors
from dangan.governance.services.borrowing import MAX_DAYS_LIMIT
from dangan.governance.services.confidentiality import MAX_GRANT

ROLE_CHOICES = [(name, name) for name in roles.ALL_ROLES]


def _roles_field(label, help_text=""):
    # Not required here: "at least one" is a service's rule, and its message is the one shown.
    return forms.MultipleChoiceField(label=label, choices=ROLE_CHOICES, required=False, help_text=help_text,
                                     widget=forms.CheckboxSelectMultiple)


def _reason_field():
    field = forms.CharField(label=_("原因"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("记入审计链"))
    field.show_required = True  # the service requires it and says so
    return field


# --- confidentiality levels and policy -------------------------------------------------------------

class LevelEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=30)
    rank = forms.IntegerField(label=_("级别"), min_value=0, max_value=1000,
                              help_text=_("数字越大越机密；需审批的密级须是级别最高的若干级"))
    requires_approval = forms.BooleanField(label=_("查阅需审批"), required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class LevelCreateForm(LevelEditForm):
    code = forms.SlugField(label=_("代码"), max_length=30,
                           help_text=_("英文字母、数字或连字符，创建后不可修改，如 secret"))

    field_order = ["code", "name", "rank", "requires_approval", "description"]


class ConfidentialityPolicyForm(forms.Form):
    approver_roles = _roles_field(_("查阅申请审批角色"), _("密级档案的查阅申请由持有这些角色的人审批，申请人本人除外"))
    max_grant_days = forms.IntegerField(label=_("最长查阅期限（天）"), min_value=1, max_value=MAX_GRANT.days)


def level_choices():
    return [(level.code, level.name) for level in selectors.confidentiality_levels()]


class ClearanceForm(forms.Form):
    """Give a person a clearance (or change it): the level they may be shown."""

    user = forms.TypedChoiceField(label=_("人员"), coerce=int)
    level = forms.ChoiceField(label=_("密级"))
    reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—")] + [
            (person.pk, f"{person.full_name} <{person.email}>")
            for person in company_users(include_inactive=False).only("pk", "full_name", "email")]
        self.fields["level"].choices = [("", "—")] + level_choices()


class ReasonForm(forms.Form):
    reason = _reason_field()


# --- masking and borrowing -------------------------------------------------------------------------

class MaskingPolicyForm(forms.Form):
    clear_roles = _roles_field(_("直接查看明文的角色"), _("这些角色查看档案时，身份证号、电话、银行账号等不打码"))
    owner_sees_clear = forms.BooleanField(label=_("负责业务员可查看本人档案的明文"), required=False)
    reveal_roles = _roles_field(_("可申请查看明文的角色"), _("逐项查看，须填写原因，记入查询记录"))


class BorrowingPolicyForm(forms.Form):
    approver_roles = _roles_field(_("借阅审批角色"), _("主管、部门经理审批本部门人员的借阅；其他角色审批全公司的借阅。"
                                                   "密级档案的借阅由密级查阅审批角色审批。"))
    max_days = forms.IntegerField(label=_("最长借阅期限（天）"), min_value=1, max_value=MAX_DAYS_LIMIT)
