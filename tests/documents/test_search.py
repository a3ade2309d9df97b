"""Full-text search over document text: jieba search-mode tokens in a literal tsvector, queries
cut the same way, results limited to visible files, and bulk reindexing."""
from __future__ import annotations

from django.db import connection

from dangan.documents import search, selectors
from dangan.documents.services.search_index import reindex_documents
from dangan.documents.filenames import download_name, sanitize_filename

from .helpers import text_document


def test_tokens_hold_words_their_pieces_characters_and_number_parts():
    tokens = set(search.tokens_for("中华人民共和国北京市购房合同 No.HT-2026-001"))
    assert {"中华人民共和国", "中华", "人民", "共和国", "北京", "北京市", "购房", "合同"} <= tokens
    assert {"中", "京", "房"} <= tokens  # single characters, for queries jieba leaves single
    assert {"no.ht-2026-001", "ht", "2026", "001"} <= tokens
    assert all(" " not in token for token in tokens)


def test_a_long_text_is_indexed_by_its_words_without_the_characters_inside_them():
    text = "买受人李敏与出卖人签订购房合同，约定房号3-1102的付款方式。" * 4  # over search._SHORT
    tokens = set(search.tokens_for(text))
    assert {"买受人", "李敏", "购房", "合同", "房号", "付款", "3-1102", "3", "1102"} <= tokens
    assert not {"敏", "购", "款"} & tokens  # characters inside words: module doc
    assert "的" in tokens  # a character jieba leaves single is one of its words


def test_a_one_character_query_finds_titles_not_characters_inside_words_of_the_text(docs, new_customer):
    customer = new_customer()
    titled = text_document(docs, customer, "扫描件" * 40, title="李敏身份证复印件")
    text_only = text_document(docs, customer, "买受人李敏与出卖人签订购房合同，约定付款方式。" * 6)  # over _SHORT
    reindex_documents()
    assert [d.pk for d in selectors.document_search(user=docs.owner, q="敏")] == [titled.pk]
    assert [d.pk for d in selectors.document_search(user=docs.owner, q="李敏")] == [text_only.pk, titled.pk]


def test_queries_and_their_fallbacks():
    assert search.tsquery_for("购房合同") == "'购房' & '合同'"
    assert search.tsquery_for("档案管理") == "('档案管理' | ('档案' & '管理'))"
    assert search.tsquery_for("HT-2026") == "'ht-2026':*"
    assert search.tsquery_for("  ，。 ") is None
    assert search.tsquery_for("it's") == "'it':* & 's':*"  # quotes never reach the tsquery raw


def test_search_respects_visibility_and_reindex_rebuilds_vectors(docs, new_customer):
    mine = new_customer()
    theirs = new_customer(actor=docs.outsider, department=docs.sales2.pk, name="别家")
    a = text_document(docs, mine, "客户档案管理制度：档案袋上需填写客户姓名、房号。")
    b = text_document(docs, theirs, "客户档案管理制度")
    with connection.cursor() as cursor:  # written behind the services' back: no vectors yet
        cursor.execute("UPDATE documents_document SET search_vector = NULL")
    assert not selectors.document_search(user=docs.custodian, q="档案袋").exists()
    assert reindex_documents(batch=1) == 2
    assert [d.pk for d in selectors.document_search(user=docs.custodian, q="档案管理")] == [b.pk, a.pk]
    assert [d.pk for d in selectors.document_search(user=docs.owner, q="档案管理")] == [a.pk]
    assert [d.pk for d in selectors.document_search(user=docs.owner, q="房号 档案袋")] == [a.pk]
    assert not selectors.document_search(user=docs.owner, q="销毁清册").exists()
    assert [d.pk for d in selectors.document_search(user=docs.custodian, q="扫描件", customer_id=theirs.pk)] == [b.pk]


def test_file_names_are_sanitized_and_downloads_named_by_their_type():
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("C:\\Users\\x\\合同.pdf") == "合同.pdf"
    assert sanitize_filename("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert sanitize_filename("a\x00b\x07c\u200b.pdf") == "abc.pdf"
    assert sanitize_filename("..") == "document" and sanitize_filename("") == "document"
    assert len(sanitize_filename("长" * 500 + ".pdf")) == 200 and sanitize_filename("长" * 500 + ".pdf").endswith(".pdf")
    assert download_name("scan.txt", "application/pdf", fallback_stem="d") == "scan.txt.pdf"
    assert download_name("照片.JPEG", "image/jpeg", fallback_stem="d") == "照片.JPEG"
    assert download_name("", "image/tiff", fallback_stem="document-3-v1") == "document-3-v1.tif"


def test_reindex_writes_only_the_vectors_that_change(docs, new_customer):
    customer = new_customer()
    a, b = text_document(docs, customer, "客户档案管理制度"), text_document(docs, customer, "购房合同")
    assert reindex_documents() == 2

    def row_versions() -> dict[int, str]:
        with connection.cursor() as cursor:  # every update makes a new row version, at a new ctid
            cursor.execute("SELECT id, ctid::text FROM documents_document WHERE id = ANY(%s)", [[a.pk, b.pk]])
            return dict(cursor.fetchall())

    before = row_versions()
    assert reindex_documents(ids=[a.pk, b.pk]) == 2
    assert row_versions() == before  # every vector already current: nothing written
    with connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET search_vector = NULL WHERE id = %s", [b.pk])
    nulled = row_versions()[b.pk]
    reindex_documents(ids=[a.pk, b.pk])
    after = row_versions()
    assert after[a.pk] == before[a.pk] and after[b.pk] != nulled
    assert [d.pk for d in selectors.document_search(user=docs.owner, q="购房合同")] == [b.pk]
