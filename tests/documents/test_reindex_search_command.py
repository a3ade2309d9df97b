"""manage.py reindex_search: per company, customers' and documents' vectors rebuilt, progress on
stderr, a JSON line per company on stdout, other companies untouched."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dangan.documents import selectors

from .helpers import text_document


def _null_vectors() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archives_customer SET search_vector = NULL")
        cursor.execute("UPDATE documents_document SET search_vector = NULL")


def _nulls() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM archives_customer WHERE search_vector IS NULL), "
                       "(SELECT count(*) FROM documents_document WHERE search_vector IS NULL)")
        return cursor.fetchone()


def _reindex(**options) -> tuple[list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reindex_search", stdout=out, stderr=err, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_rebuilds_one_company_and_leaves_the_other(docs, new_customer, other_company):
    text_document(docs, new_customer(), "客户档案管理制度：档案袋上需填写客户姓名、房号。")
    text_document(docs, new_customer(name="上海华山医院", category="yy"), "购房合同")
    _null_vectors()
    connection.set_tenant(other_company)
    _null_vectors()
    connection.set_schema_to_public()

    reports, progress = _reindex(schema=[docs.tenant.schema_name])

    assert [(r["schema"], r["customers"], r["documents"]) for r in reports] == [(docs.tenant.schema_name, 2, 2)]
    assert f"{docs.tenant.schema_name} customers: 2 / 2 (100%)" in progress
    assert f"{docs.tenant.schema_name} documents: 2 / 2 (100%)" in progress
    connection.set_tenant(docs.tenant)
    assert _nulls() == (0, 0)
    assert selectors.document_search(user=docs.owner, q="房号 档案袋").count() == 1
    connection.set_tenant(other_company)
    assert _nulls() == (1, 0)  # its customer was not reindexed


def test_only_documents(docs, new_customer):
    text_document(docs, new_customer(), "购房合同")
    _null_vectors()
    connection.set_schema_to_public()
    reports, _ = _reindex(schema=[docs.tenant.schema_name], only="documents")
    assert reports[0]["documents"] == 1 and "customers" not in reports[0]
    connection.set_tenant(docs.tenant)
    assert _nulls() == (1, 0)


def test_an_unknown_schema_is_refused(db):
    with pytest.raises(CommandError, match="unknown or inactive schema"):
        _reindex(schema=["t_nobody"])
