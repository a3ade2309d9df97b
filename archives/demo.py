"""Sample customer files for the demo company that `make run` creates (ensure_demo_company):
enough to try the list, search by name or pinyin initials, a file's contacts and sales ledger,
traceability by product batch and the review workflow, the moment the app is up. Everything
goes through the services, as a user's own entries would, so history and audit are recorded."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Customer, Department
from .services.customers import customer_create
from .services.lifecycle import customer_submit
from .services.records import ledger_entry_create

# category, name, region, grade, department, custom fields, contact (name, phone, position), address
SAMPLE_FILES = [
    ("jxs", "北京康泰医药有限公司", "north", "A", "sales1", {"license_no": "京AA0100123", "credit_limit": "500000"},
     ("王建国", "13800100001", "采购经理"), "北京市朝阳区建国路88号"),
    ("jxs", "上海华氏医药有限公司", "east", "A", "sales2", {"license_no": "沪AA0210456"},
     ("李敏", "13900210002", "总经理"), "上海市黄浦区南京东路100号"),
    ("yy", "广州市第一人民医院", "south", "A", "sales3", {"hospital_level": "三级甲等"},
     ("陈思远", "13700200003", "药剂科主任"), "广州市越秀区盘福路1号"),
    ("yd", "成都百草堂大药房", "southwest", "B", "sales4", {"gsp_cert": "川GSP2025-0088"},
     ("张丽华", "13600280004", "店长"), "成都市锦江区春熙路20号"),
    ("yd", "西安仁和堂药店", "northwest", "B", "sales4", {"gsp_cert": "陕GSP2024-0123"},
     ("赵文博", "13400290006", "店长"), "西安市碑林区东大街66号"),
    ("lss", "沈阳惠民便利超市", "northeast", "C", "sales1", {},
     ("刘洋", "13500240005", "采购"), "沈阳市和平区中华路5号"),
    ("gr", "周晓梅", "east", "B", "sales2", {"mobile": "13812345678"},
     ("周晓梅", "13812345678", ""), "杭州市西湖区文三路18号"),
]
# product name, specification, manufacturer, batch: the same batches reach several customers,
# so tracing a batch (产品批号) finds more than one file.
PRODUCTS = [
    ("阿莫西林胶囊", "0.25g×24粒", "华北制药股份有限公司", "AM20260301"),
    ("复方丹参滴丸", "27mg×180丸", "天士力医药集团", "DS20260415"),
    ("板蓝根颗粒", "10g×20袋", "广州白云山制药", "BL20260520"),
]
SUBMITTED = 2  # the first files are submitted for review (审核); the rest stay drafts


@transaction.atomic
def seed_demo_archive(*, actor) -> list[Customer]:
    """The sample files, created by `actor` (the demo company's admin). Runs once, on a company
    without customer files; returns what it made (nothing when there were files already)."""
    if Customer.objects.exists():
        return []
    departments = {department.code: department for department in Department.objects.all()}
    today = timezone.localdate()
    created = []
    for index, (category, name, region, grade, department, custom, contact, address) in enumerate(SAMPLE_FILES):
        contact_name, phone, position = contact
        customer = customer_create(
            actor=actor, category=category, name=name, region=region, grade=grade,
            department=departments[department].pk, address=address, custom_fields=custom,
            kind=Customer.Kind.INDIVIDUAL if category == "gr" else Customer.Kind.ENTERPRISE,
            contacts=[{"name": contact_name, "phone": phone, "position": position, "is_primary": True}])
        for offset, (product, specification, manufacturer, batch) in enumerate(PRODUCTS):
            if (index + offset) % 2:
                continue
            quantity = Decimal(20 * (index + 1) + 10 * offset)
            ledger_entry_create(
                actor=actor, customer=customer, sale_date=today - dt.timedelta(days=7 * (index + offset)),
                buyer_name=name, buyer_contact=phone, voucher_number=f"XS{today:%Y%m}{index:02d}{offset}",
                manufacturer=manufacturer, product_name=product, specification=specification,
                quantity=quantity, product_batch=batch, sales_department=departments[department].name,
                expiry_date=today + dt.timedelta(days=730))
        if index < SUBMITTED:
            customer = customer_submit(actor=actor, customer=customer)
        created.append(customer)
    return created
