"""Document metadata services: how a document type is named (id or code, active ones only) and
what starting an upload sends to PostgreSQL."""
from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dangan.documents.models import DocumentType
from dangan.documents.services import uploads
from dangan.documents.services.documents import document_type_create, document_type_for
from dangan.platform.errors import ApplicationError

from .helpers import pdf_bytes, sha


def test_a_type_is_found_by_code_or_id_and_is_the_stored_row(docs):
    stored = DocumentType.objects.get(code="contract")
    for value in ("contract", " contract ", stored.pk, str(stored.pk), stored):
        found = document_type_for(value)
        assert found == stored
        assert (found.code, found.name, found.default_original_or_copy, found.is_active, found.sort) == (
            stored.code, stored.name, stored.default_original_or_copy, stored.is_active, stored.sort)
    found = document_type_for("contract")
    found.name = "合同（改）"
    found.save()  # an instance as the ORM loads it: saved in place, no new row
    assert DocumentType.objects.get(pk=stored.pk).name == "合同（改）"


def test_an_id_wins_over_a_code_spelled_the_same(docs):
    first = DocumentType.objects.order_by("pk").first()
    numbered = document_type_create(actor=docs.admin, code=str(first.pk), name="编号类型")
    assert document_type_for(str(first.pk)) == first
    assert document_type_for(str(numbered.pk)) == numbered


@pytest.mark.parametrize("value", ["no-such-type", "", None, "99999999", str(2**63), str(10**30), "合同"])
def test_unknown_types_are_refused_with_their_code(docs, value):
    with pytest.raises(ApplicationError) as caught:
        document_type_for(value, field="kind")
    assert caught.value.code == "document_type_unknown"
    assert caught.value.field == "kind"


def test_an_inactive_type_is_refused_by_code_and_by_id(docs):
    retired = DocumentType.objects.get(code="contract")
    retired.is_active = False
    retired.save()
    for value in ("contract", retired.pk):
        with pytest.raises(ApplicationError) as caught:
            document_type_for(value)
        assert caught.value.code == "document_type_unknown"


def test_starting_an_upload_makes_no_savepoint(docs, new_customer, clean_bucket):
    """The new document and its first version are written in the upload's one transaction, with
    no SAVEPOINT of the document's own between them."""
    customer = new_customer()
    data = pdf_bytes()
    with CaptureQueriesContext(connection) as queries:
        uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data), sha256=sha(data),
                             document_fields={"document_type": "contract"})
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    # The test itself runs in a transaction, so the service's own atomic block is a savepoint
    # here: as many as a bare atomic block makes, and no more.
    with CaptureQueriesContext(connection) as bare, transaction.atomic():
        connection.cursor().execute("SELECT 1")
    assert statements.count("SAVEPOINT") == [q["sql"].split()[0].upper() for q in bare.captured_queries].count(
        "SAVEPOINT") == 1, statements
    written = [query["sql"].split()[2] for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    assert '"documents_document"' in written and '"documents_documentversion"' in written


def test_a_failed_document_leaves_the_upload_transaction_unwritten(docs, new_customer, clean_bucket):
    """Without a savepoint of its own, a refusal inside document_create still leaves nothing."""
    customer = new_customer()
    count = customer.documents.count()
    with pytest.raises(ApplicationError) as caught:
        uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=10, sha256="0" * 64,
                             document_fields={"document_type": "no-such-type"})
    assert caught.value.code == "document_type_unknown"
    assert customer.documents.count() == count



def test_the_savepoint_free_create_refuses_to_run_outside_a_transaction(docs, new_customer):
    from dangan.documents.services.documents import document_create_within

    customer = new_customer()
    count = customer.documents.count()
    # As an autocommit caller would be (the connection is a proxy: monkeypatch would delete the
    # attribute on undo, so it is put back by hand).
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            document_create_within(actor=docs.owner, customer=customer, document_type="contract")
    finally:
        connection.in_atomic_block = True
    assert customer.documents.count() == count
