"""The full-text search endpoint: a page of results costs the same queries whatever its length
(no query per row), each row shows its current version's uploader, and another company finds
nothing."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangan.documents.models import Document, DocumentVersion
from dangan.documents.services.documents import document_create
from dangan.documents.services.search_index import reindex_documents
from tests.documents.helpers import body

SEARCH = "/api/v1/documents/search/"


def _document(docs, customer, text: str, uploader) -> Document:
    document = document_create(actor=docs.owner, customer=customer, document_type="other", title="扫描件")
    version = DocumentVersion.objects.create(document=document, number=1, object_key=f"docs/{document.pk}/v1/x",
                                             uploaded_by=uploader, upload_state="available", text=text)
    Document.objects.filter(pk=document.pk).update(current_version=version, state="available")
    reindex_documents(ids=[document.pk])
    return document


def test_a_search_page_costs_the_same_queries_whatever_its_length(docs, api, new_customer, other_company):
    customer = new_customer()
    owner = api(docs.owner)
    _document(docs, customer, "认购书：购房合同第一页", docs.owner)
    owner.get(SEARCH, {"q": "购房合同"})  # first request of the process: caches warm
    with CaptureQueriesContext(connection) as one_row:
        page = body(owner.get(SEARCH, {"q": "购房合同"}))
    assert len(page["results"]) == 1

    uploaders = [docs.custodian, docs.colleague, docs.supervisor]
    for uploader in uploaders:
        _document(docs, customer, "购房合同附件，签约存档", uploader)
    with CaptureQueriesContext(connection) as four_rows:
        page = body(owner.get(SEARCH, {"q": "购房合同", "page_size": 20}))
    assert [row["current_version"]["uploaded_by"]["email"] for row in page["results"]] == \
        [user.email for user in reversed(uploaders)] + [docs.owner.email]  # newest first
    assert len(four_rows) == len(one_row), [query["sql"][:120] for query in four_rows]

    assert body(other_company.get(SEARCH, {"q": "购房合同"}))["results"] == []
    connection.set_tenant(docs.tenant)
