"""Governance defaults for a new company (settings.DANGAN_TENANT_SEEDERS): retention rules,
the destruction approval chain and the confidentiality levels. Everything is editable afterwards."""
from __future__ import annotations

from .models import DispositionStep, RetentionRule
from .services.disposition import DEFAULT_CHAIN

# Company-wide: kept 5 years after filing, and never before every product sold to the customer
# is a year past its expiry date (GSP keeps sales records a year past expiry).
DEFAULT_RULE = {"name": "默认：归档后 5 年，且不少于产品有效期满后 1 年", "fixed_years": 5, "shelf_life": True,
                "years_after_expiry": 1}
# House buyers: the purchase contract matters for the life of the property loan.
CATEGORY_RULES = {"gf": {"name": "购房客户：归档后 30 年", "fixed_years": 30}}


def seed_governance(tenant, admin_user) -> None:
    from dangan.archives.models import ArchiveCategory

    rules = [RetentionRule(category=None, **DEFAULT_RULE)]
    for category in ArchiveCategory.objects.filter(code__in=CATEGORY_RULES):
        rules.append(RetentionRule(category=category, **CATEGORY_RULES[category.code]))
    RetentionRule.objects.bulk_create(rules)
    DispositionStep.objects.bulk_create([DispositionStep(position=index, role=role, label=label)
                                         for index, (role, label) in enumerate(DEFAULT_CHAIN)])
    # 密级: 公开 / 内部 / 秘密 / 机密 and the approver roles (副总经理 and above)
    from .services.confidentiality import seed_confidentiality

    seed_confidentiality()
