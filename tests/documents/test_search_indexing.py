"""Where documents' search vectors are written: the web process indexes a new or renamed
document's title and type without jieba (its dictionary is ~30 MB in every process that loads
it), so a document is findable by its title at once; the worker that processes the upload (or
the documents.refresh_search task after a title change) writes the full jieba vector."""
from __future__ import annotations

import sys

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangan.documents import search, selectors
from dangan.documents.models import Document, DocumentVersion, UploadState
from dangan.documents.services import uploads
from dangan.documents.services.deletion import document_delete
from dangan.documents.services.documents import document_create, document_update, search_refresh
from dangan.documents.tasks import refresh_document_search
from tests.api.archives.conftest import api  # noqa: F401
from tests.documents.helpers import body, http_put, pdf_bytes, sha

# Never needed to take an upload or create or rename a document in the web process: jieba (and
# its pure-Python twin), pinyin, images and PDFs belong to the worker and to searches.
HEAVY = ("rjieba", "jieba", "pypinyin", "PIL", "pypdf")


def _vector(document_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(search_vector) FROM documents_document WHERE id = %s", [document_id])
        return set(cursor.fetchone()[0] or ())


def _found(docs, q: str) -> list[int]:
    return [document.pk for document in selectors.document_search(user=docs.owner, q=q)]


def _matches(tokens: list[str], q: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_to_tsvector(%s::text[]) @@ %s::tsquery", [tokens, search.tsquery_for(q)])
        return cursor.fetchone()[0]


def test_light_tokens_match_every_query_made_of_the_title_words(db):
    titles = ["中华人民共和国北京市购房合同", "身份证复印件", "客户档案管理制度", "认购书 No.HT-2026-001", "营业执照副本"]
    for title in titles:
        tokens = search.light_tokens_for(title, "其他")
        for q in [*search.query_terms(title), title, "其他"]:
            assert _matches(tokens, q), (title, q, search.tsquery_for(q))
        assert not _matches(tokens, "销毁清册")
    # ASCII words (numbers, codes) are the ones jieba's vector holds
    title = "认购书 No.HT-2026-001"
    assert {t for t in search.light_tokens_for(title) if t.isascii()} == \
        {t for t in search.tokens_for(title) if t.isascii()} == {"no.ht-2026-001", "no", "ht", "2026", "001"}


def test_the_upload_request_path_imports_no_jieba_nor_other_heavy_library(docs, api, new_customer, monkeypatch):
    customer = new_customer()
    owner = api(docs.owner)
    owner.get("/api/v1/documents/upload-limits/")  # what a warm web worker has loaded anyway
    first, second = pdf_bytes(), pdf_bytes("two")  # (reportlab uses PIL)
    for name in HEAVY:  # `import name` now raises ImportError: any use below fails the request
        monkeypatch.setitem(sys.modules, name, None)

    proxied = owner.post(f"/api/v1/customers/{customer.pk}/documents/upload/", {
        "document_type": "contract", "title": "购房合同 HT-2026-9", "file": SimpleUploadedFile("a.pdf", first)})
    assert proxied.status_code == 201, proxied.content
    direct = owner.post(f"/api/v1/customers/{customer.pk}/documents/uploads/", {
        "document_type": "contract", "title": "认购书", "filename": "b.pdf", "size": len(second),
        "sha256": sha(second)},
        content_type="application/json")
    assert direct.status_code == 201, direct.content
    page = owner.post(f"/customers/{customer.pk}/documents/upload/", {  # the customer page's drop zone
        "document_type": "contract", "original_or_copy": "", "copies": "1", "title": "网页上传",
        "file": SimpleUploadedFile("c.pdf", first)}, HTTP_HX_REQUEST="true")
    assert page.status_code == 201, page.content
    renamed = owner.patch(f"/api/v1/documents/{body(proxied)['id']}/", {"title": "客户档案管理制度"},
                          content_type="application/json")
    assert renamed.status_code == 200, renamed.content
    for name in HEAVY:
        assert sys.modules[name] is None  # nothing put a module back either

    monkeypatch.undo()
    assert {"购房", "合同", "ht-2026-9", "2026", "档案", "管理"} <= _vector(body(proxied)["id"])
    assert {"认购书", "认购", "合同"} <= _vector(body(direct)["document"]["id"])  # title and type (合同)
    assert Document.objects.filter(title="网页上传").exists()


def test_a_new_document_is_found_by_its_title_before_and_after_processing(docs, new_customer, run_tasks):
    customer = new_customer()
    data = pdf_bytes("Invoice FP-4711")
    instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename="a.pdf", size=len(data),
                                        sha256=sha(data), document_fields={"document_type": "contract",
                                                                           "title": "客户档案管理制度"})
    document_id = instructions.version.document_id
    assert _found(docs, "档案管理") == [document_id]  # pending: the title's light tokens
    assert _found(docs, "fp-4711") == []

    http_put(instructions.url, data, instructions.headers)
    with run_tasks():
        uploads.upload_complete(actor=docs.owner, version=instructions.version)
    document = Document.objects.select_related("document_type", "current_version").get(pk=document_id)
    assert document.current_version.upload_state == UploadState.AVAILABLE
    # The worker's vector is exactly what bulk reindexing would write (jieba, no n-grams).
    assert _vector(document_id) == set(search.tokens_for(document.title, document.document_type.name,
                                                         document.current_version.text))
    assert _found(docs, "档案管理") == [document_id] and _found(docs, "fp-4711") == [document_id]


def _available(docs, customer, title: str, text: str) -> Document:
    document = document_create(actor=docs.owner, customer=customer, document_type="other", title=title)
    version = DocumentVersion.objects.create(document=document, number=1, object_key=f"docs/{document.pk}/v1/x",
                                             uploaded_by=docs.owner, upload_state="available", text=text)
    Document.objects.filter(pk=document.pk).update(current_version=version, state="available")
    return search_refresh(document.pk)


def test_a_new_title_is_found_at_once_and_the_worker_rewrites_the_whole_vector(docs, new_customer, run_tasks):
    document = _available(docs, new_customer(), "认购书", "购房合同第一页")
    assert _found(docs, "认购书") == [document.pk] and _found(docs, "购房合同") == [document.pk]

    with run_tasks():
        document_update(actor=docs.owner, document=document, title="销毁清册")
        # the task not yet run: the new title already found, the old one still too
        assert _found(docs, "销毁清册") == [document.pk] and _found(docs, "认购书") == [document.pk]
        assert _vector(document.pk) > set(search.tokens_for("认购书", "其他", "购房合同第一页"))
    # the task ran on commit:
    assert _vector(document.pk) == set(search.tokens_for("销毁清册", "其他", "购房合同第一页"))
    assert _found(docs, "销毁清册") == [document.pk] and _found(docs, "认购书") == []
    assert _found(docs, "购房合同") == [document.pk]


def test_the_refresh_task_leaves_deleted_and_unknown_documents_alone(docs, new_customer):
    document = _available(docs, new_customer(), "认购书", "购房合同第一页")
    document_delete(actor=docs.custodian, document=document, reason="重复上传")
    assert refresh_document_search(document.pk) is None and refresh_document_search(0) is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector FROM documents_document WHERE id = %s", [document.pk])
        assert cursor.fetchone()[0] is None


def test_a_new_document_s_title_vector_is_written_by_its_insert_and_a_later_save_keeps_it(docs, new_customer):
    from django.test.utils import CaptureQueriesContext

    customer = new_customer()
    with CaptureQueriesContext(connection) as captured:
        document = document_create(actor=docs.owner, customer=customer, document_type="contract",
                                   title="客户档案管理制度")
    writes = [q["sql"] for q in captured.captured_queries if "documents_document" in q["sql"].split(" WHERE")[0]
              and q["sql"].startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1 and writes[0].startswith("INSERT"), writes
    assert _found(docs, "档案管理") == [document.pk]
    document.copies = 2
    document.save()  # the instance no longer carries the title's literal: the vector stays as written
    assert _found(docs, "档案管理") == [document.pk]
    assert _vector(document.pk) == set(search.light_tokens_for("客户档案管理制度", document.document_type.name))


def test_a_new_title_s_vector_is_what_array_to_tsvector_makes_of_its_tokens(docs, new_customer):
    """The INSERT writes a tsvector literal of the tokens (punctuation in a title is no token)."""
    title = "O'Brien 的 \\合同\\ '副本' 2026"
    document = document_create(actor=docs.owner, customer=new_customer(), document_type="contract", title=title)
    tokens = search.light_tokens_for(title, document.document_type.name)
    assert {"o", "brien", "合同", "副本", "2026"} <= set(tokens)
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector = array_to_tsvector(%s::text[]) FROM documents_document WHERE id = %s",
                       [tokens, document.pk])
        assert cursor.fetchone()[0] is True
