"""Default document types and required-document checklists for a new company.

The two real-estate lists are the seed policies' 档案管理制度 (合同管理): 认购书存档管理 and
签约合同存档管理, for category `gf` (购房客户). Documents that only some buyers have (暂住证 for
non-local buyers, 5 years of social security and tax records for foreigners and non-Beijing
residents) are advice, not requirements: no custom field says who they apply to. Other
categories get a simple advisory default. Everything is editable afterwards.
"""
from __future__ import annotations

from dangan.archives.models import ArchiveCategory

from .models import Checklist, ChecklistItem, DocumentType

ORIGINAL, COPY, EITHER = "original", "copy", "either"

TYPES = [
    # code, name, usual form
    ("id_card", "身份证复印件", COPY),
    ("hukou", "户口本复印件", COPY),
    ("marriage_cert", "结婚证复印件", COPY),
    ("residence_permit", "暂住证复印件", COPY),
    ("subscription", "认购书", ORIGINAL),
    ("contract", "合同", ORIGINAL),
    ("invoice", "发票", COPY),
    ("receipt", "收据", COPY),
    ("countersign", "会签单", ORIGINAL),
    ("filing_form", "备案表", ORIGINAL),
    ("online_filing_form", "联机备案表", ORIGINAL),
    ("family_register", "家庭成员登记表", ORIGINAL),
    ("explanation", "情况说明", ORIGINAL),
    ("declaration", "声明", ORIGINAL),
    ("social_security_tax", "社保及纳税证明", EITHER),
    ("other", "其他", COPY),
]

MARRIED = {"field": "marital_status", "op": "eq", "value": "已婚"}
SIGNED = {"field": "contract_no", "op": "set"}

# checklist name, description, list condition, items: (type, copies, form, required, condition, note)
GF_CHECKLISTS = [
    ("认购存档", "认购书存档所需资料；入档案袋存档，袋上填写客户姓名、房号。", None, [
        ("subscription", 1, ORIGINAL, True, None, "认购书原件第一联；认购书需放专门处保管"),
        ("explanation", 1, ORIGINAL, True, None, "情况说明（刷卡）"),
        ("declaration", 1, ORIGINAL, True, None, "声明（不得变更买受人）"),
        ("receipt", 2, COPY, True, None, "认购金收据复印件"),
        ("id_card", 2, COPY, True, None, "个人及配偶"),
        ("hukou", 2, COPY, True, None, "主页、户主页、个人页及配偶户口本复印件"),
        ("marriage_cert", 2, COPY, True, MARRIED, "已婚买受人"),
        ("residence_permit", 2, COPY, False, None, "非本地户籍买受人"),
    ]),
    ("签约存档", "签约合同存档所需资料（含认购书存档所有资料）；袋上标明房号、客户姓名、合同号、签约日期、业务员姓名、支付方式。",
     SIGNED, [
         ("online_filing_form", 2, ORIGINAL, True, None, "联机备案表原件（已盖章）"),
         ("contract", 4, ORIGINAL, True, None, "合同原件四份（已盖章，正副本各 2 份）"),
         ("invoice", 2, COPY, True, None, "房款发票复印件"),
         ("countersign", 1, ORIGINAL, True, None, "会签单原件"),
         ("family_register", 1, ORIGINAL, True, None, "家庭成员登记表（表一、表二）"),
         ("id_card", 2, COPY, True, None, "个人及配偶"),
         ("hukou", 2, COPY, True, None, "主页、户主页、个人页及配偶户口本复印件"),
         ("marriage_cert", 2, COPY, True, MARRIED, "已婚买受人"),
         ("residence_permit", 2, COPY, False, None, "非本地户籍买受人"),
         ("social_security_tax", 1, EITHER, False, None, "外籍、非京人员需提供 5 年社保及纳税证明"),
     ]),
]
DEFAULT_CHECKLIST = ("基本资料", "建议存档的基本资料（可改为必备）。", [
    ("contract", 1, EITHER, False, None, "合作合同或协议"),
])


def seed_documents(tenant, admin_user) -> None:
    types = {t.code: t for t in DocumentType.objects.bulk_create([
        DocumentType(code=code, name=name, default_original_or_copy=ORIGINAL if form == ORIGINAL else COPY, sort=index)
        for index, (code, name, form) in enumerate(TYPES)])}
    checklists, items = [], []
    for category in ArchiveCategory.objects.order_by("sort", "pk"):
        specs = GF_CHECKLISTS if category.code == "gf" else [(DEFAULT_CHECKLIST[0], DEFAULT_CHECKLIST[1], None,
                                                              DEFAULT_CHECKLIST[2])]
        for index, (name, description, condition, entries) in enumerate(specs):
            checklist = Checklist(category=category, name=name, description=description, condition=condition,
                                  sort=index)
            checklists.append((checklist, entries))
    Checklist.objects.bulk_create([checklist for checklist, _ in checklists])
    for checklist, entries in checklists:
        for index, (code, copies, form, required, condition, note) in enumerate(entries):
            items.append(ChecklistItem(checklist=checklist, document_type=types[code], copies=copies,
                                       original_or_copy=form, required=required, condition=condition, note=note,
                                       sort=index))
    ChecklistItem.objects.bulk_create(items)
