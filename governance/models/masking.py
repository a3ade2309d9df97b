"""Who sees sensitive personal information (ID numbers, phones, bank accounts) in clear (R6).

One row per company. The defaults follow the company's rules in seed-policies: files are kept
by designated people ("客户档案的保管由专门人员负责" — the custodian), the salesperson who collected
the data works with it every day (the file's owner), and "对于敏感信息的查询须经过审批程序": everyone
else sees masked values and, if their role allows, reveals one value at a time with a reason
that the query log keeps. governance/masking.py applies the policy.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.accounts import roles


def default_clear_roles() -> list[str]:
    return [roles.CUSTODIAN]


def default_reveal_roles() -> list[str]:
    # Management answers for the customer relationship; the office handles contracts and
    # pick-ups. Auditors and administrators review the register, not the customers' data.
    return [roles.SUPERVISOR, roles.DEPARTMENT_MANAGER, roles.OFFICE, roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER]


class MaskingPolicy(models.Model):
    clear_roles = models.JSONField(_("可直接查看敏感信息的角色"), default=default_clear_roles)
    owner_sees_clear = models.BooleanField(_("负责业务员可查看本人档案的敏感信息"), default=True)
    reveal_roles = models.JSONField(_("可申请查看（须填写原因）的角色"), default=default_reveal_roles)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("敏感信息显示规则")

    @classmethod
    def load(cls) -> "MaskingPolicy":
        # Read on every detail, trace and export request: one prepared SELECT (the ORM's get()
        # compiled the same query on each); the row is made on first use.
        from dangan.platform.db import instance_where

        policy = instance_where(cls, "id", 1)
        if policy is None:
            policy, _ = cls.objects.get_or_create(pk=1)
        return policy
