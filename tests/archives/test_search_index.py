"""reindex_customers stores what refresh_search stores, for every customer of the company and
only of that company, writes nothing when nothing changed, and reports its progress."""
from __future__ import annotations

import pytest
from django.db import connection

from dangan.archives.services import configuration as config
from dangan.archives.services.search_index import refresh_search, reindex_customers

pytestmark = pytest.mark.django_db


def _search_columns() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text, name_pinyin, name_initials, ctid::text FROM archives_customer")
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _forget_search_columns() -> None:
    with connection.cursor() as cursor:  # as after a restore of rows without their vectors
        cursor.execute("UPDATE archives_customer SET search_vector = NULL, name_pinyin = '', name_initials = ''")


def _customers(company, new_customer) -> list:
    category = config.category_create(actor=company.admin, code="car", name="车主档案")
    config.field_define(actor=company.admin, category=category, key="plate_no", label="车牌号", field_type="text",
                        searchable=True)
    config.field_define(actor=company.admin, category=category, key="note", label="备注", field_type="text")
    return [
        new_customer(),
        new_customer(name="上海华山医院", category="yy", address="上海市静安区乌鲁木齐中路12号",
                     contacts=[{"name": "李主任", "phone": "021-52889999", "email": "li@hs.cn", "position": "主任"},
                               {"name": "O'Brien", "phone": "", "email": "ob@hs.cn", "position": ""}]),
        new_customer(name="周晓梅", category="car", kind="individual", contacts=[],
                     custom_fields={"plate_no": "沪A·12345", "note": "不可搜索的备注"}),
        new_customer(name="Acme 贸易 (HK) Ltd.", contacts=[]),
        new_customer(name="重庆长寿区药房", contacts=[{"name": "单单", "phone": "13900000000", "email": "",
                                                    "position": ""}]),
    ]


def test_reindex_stores_what_refresh_search_stores(company, new_customer):
    customers = _customers(company, new_customer)
    for customer in customers:
        refresh_search(customer)
    expected = {pk: columns[:3] for pk, columns in _search_columns().items()}
    _forget_search_columns()
    done = []
    assert reindex_customers(batch=2, progress=done.append) == len(customers)
    assert done == [2, 4, 5]
    assert {pk: columns[:3] for pk, columns in _search_columns().items()} == expected
    assert _matching("12345") == {customers[2].pk}  # a searchable custom field
    assert _matching("备注") == set()  # one that is not
    assert _matching("brien") == {customers[1].pk}  # from the second contact


def _matching(token: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM archives_customer WHERE search_vector @@ array_to_tsvector(%s::text[])::text::tsquery",
                       [[token]])
        return {row[0] for row in cursor.fetchall()}


def test_a_second_run_writes_nothing_and_a_changed_row_only_that(company, new_customer):
    customers = _customers(company, new_customer)
    reindex_customers()
    before = _search_columns()
    assert reindex_customers() == len(customers)
    assert _search_columns() == before  # same ctids: no new row versions
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archives_customer SET search_vector = NULL WHERE id = %s", [customers[1].pk])
    reindex_customers()
    after = _search_columns()
    assert after[customers[1].pk][:3] == before[customers[1].pk][:3]
    assert {pk: row[3] for pk, row in after.items() if pk != customers[1].pk} == \
        {pk: row[3] for pk, row in before.items() if pk != customers[1].pk}


def test_another_company_is_left_alone(company, new_customer, other_company):
    mine = _customers(company, new_customer)
    connection.set_tenant(other_company)
    _forget_search_columns()
    connection.set_tenant(company.tenant)
    _forget_search_columns()
    assert reindex_customers() == len(mine)
    assert all(columns[0] for columns in _search_columns().values())
    connection.set_tenant(other_company)
    assert [columns[0] for columns in _search_columns().values()] == [None]
