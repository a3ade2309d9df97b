"""Default archive configuration for a new company, taken from the seed policies: the
categories they name, the six sales regions (六大片区), grades A/B/C, the sales departments of
the shipment handover form, the review cadences (key customers monthly; key distributors,
hospitals, pharmacies and retailers quarterly) and the fields each kind of customer needs.
Everything is editable afterwards. Bulk inserts keep signup well under a second."""
from __future__ import annotations

from .models import (
    ArchiveCategory, ArchiveSettings, CadenceRule, ClassificationScheme, ClassificationTerm, CustomFieldDefinition,
    Department,
)
from .models.categories import CustomerKind
from .models.lifecycle import DEFAULT_IMPORTANT_FIELDS

QUARTERLY, MONTHLY = 90, 30

ENTERPRISE, INDIVIDUAL = CustomerKind.ENTERPRISE, CustomerKind.INDIVIDUAL
CATEGORIES = [
    # code, name, review interval (days), what a new file of it is by default
    ("jxs", "经销商", QUARTERLY, ENTERPRISE),
    ("yy", "医院", QUARTERLY, ENTERPRISE),
    ("yd", "药店", QUARTERLY, ENTERPRISE),
    ("lss", "零售商", QUARTERLY, ENTERPRISE),
    ("gr", "个人客户", None, INDIVIDUAL),
    ("gf", "购房客户", None, INDIVIDUAL),
    ("cz", "车主", None, INDIVIDUAL),
    ("px", "培训客户", None, ENTERPRISE),
]

SCHEMES = {
    ClassificationScheme.INDUSTRY: ("所属行业", [("pharma", "医药"), ("vet", "兽药"), ("apparel", "服装"),
                                               ("realestate", "房地产"), ("auto", "汽车维修"), ("training", "教育培训"),
                                               ("trade", "进出口贸易"), ("health", "健康服务"), ("other", "其他")]),
    ClassificationScheme.REGION: ("地区（六大片区）", [("north", "华北片区"), ("northeast", "东北片区"),
                                                   ("east", "华东片区"), ("south", "华南片区"),
                                                   ("southwest", "西南片区"), ("northwest", "西北片区")]),
    ClassificationScheme.CUSTOMER_TYPE: ("客户性质", [("company", "销售公司"), ("dealer", "特约经销点"),
                                                  ("direct", "直销客户"), ("end", "终端客户")]),
    ClassificationScheme.COOPERATION_PROJECT: ("合作项目", [("general", "常规供货"), ("exclusive", "独家代理"),
                                                        ("oem", "贴牌加工")]),
    ClassificationScheme.GRADE: ("客户等级", [("A", "A 级"), ("B", "B 级"), ("C", "C 级")]),
}

DEPARTMENTS = [("sales1", "销售一部"), ("sales2", "销售二部"), ("sales3", "销售三部"), ("sales4", "销售四部"),
               ("supply", "供销科"), ("office", "办公室"), ("archives", "档案室")]

PAYMENT_CHOICES = [{"value": v, "label": v} for v in ("一次性付款", "商业贷款", "公积金贷款", "组合贷款", "分期付款")]
MARITAL_CHOICES = [{"value": v, "label": v} for v in ("未婚", "已婚", "离异", "丧偶")]
FIELDS = {
    "jxs": [("license_no", "经营许可证号", "text", False, True), ("credit_limit", "授信额度（元）", "decimal", False, False)],
    "yy": [("hospital_level", "医院等级", "choice", False, False,
            [{"value": v, "label": v} for v in ("三级甲等", "三级", "二级", "一级", "其他")])],
    "yd": [("gsp_cert", "GSP 证书号", "text", False, True)],
    "gr": [("id_number", "身份证号", "cn_id", False, True), ("mobile", "手机", "phone", False, True)],
    "gf": [("unit_no", "房号", "text", True, True), ("contract_no", "合同号", "text", False, True),
           ("signing_date", "签约日期", "date", False, False),
           ("payment_method", "付款方式", "choice", False, False, PAYMENT_CHOICES),
           ("buyer_id_number", "买受人身份证号", "cn_id", False, True),
           ("marital_status", "婚姻状况", "choice", False, False, MARITAL_CHOICES),
           ("spouse_name", "配偶姓名", "text", False, True)],
    "cz": [("plate_no", "车牌号", "text", True, True), ("vin", "车架号（VIN）", "text", False, True),
           ("vehicle_model", "车型", "text", False, False), ("mileage_km", "行驶里程（公里）", "number", False, False)],
    "px": [("course_history", "培训课程记录", "long_text", False, False),
           ("preferences", "偏好", "multi_choice", False, False,
            [{"value": v, "label": v} for v in ("线上", "线下", "周末班", "企业内训")])],
}


def seed_archives(tenant, admin_user) -> None:
    categories = ArchiveCategory.objects.bulk_create([
        ArchiveCategory(code=code, name=name, review_interval_days=interval, sort=index, default_kind=kind,
                        numbering_pattern="{category}-{region}-{yyyy}-{seq:05}" if interval else "{category}-{yyyy}-{seq:05}")
        for index, (code, name, interval, kind) in enumerate(CATEGORIES)
    ])
    by_code = {category.code: category for category in categories}
    definitions = []
    for code, fields in FIELDS.items():
        for index, spec in enumerate(fields):
            key, label, field_type, required, searchable = spec[:5]
            definitions.append(CustomFieldDefinition(
                category=by_code[code], key=key, label=label, field_type=field_type, required=required,
                searchable=searchable, choices=spec[5] if len(spec) > 5 else [], sort=index))
    CustomFieldDefinition.objects.bulk_create(definitions)

    schemes = ClassificationScheme.objects.bulk_create([
        ClassificationScheme(code=code, name=name, sort=index) for index, (code, (name, _)) in enumerate(SCHEMES.items())
    ])
    terms = []
    for scheme in schemes:
        for index, (code, name) in enumerate(SCHEMES[scheme.code][1]):
            terms.append(ClassificationTerm(scheme=scheme, code=code, name=name, sort=index))
    ClassificationTerm.objects.bulk_create(terms)
    Department.objects.bulk_create([Department(code=code, name=name, sort=index)
                                    for index, (code, name) in enumerate(DEPARTMENTS)])
    CadenceRule.objects.create(name="重点客户每月更新", is_key_customer=True, interval_days=MONTHLY)
    ArchiveSettings.objects.create(pk=1, important_fields=DEFAULT_IMPORTANT_FIELDS)
