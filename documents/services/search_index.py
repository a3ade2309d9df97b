"""Rebuilding documents' search vectors in bulk (after a tokenizer change, or a restore):
tokens computed here, written with one UPDATE … FROM unnest(…) per batch."""
from __future__ import annotations

from django.db import connection, transaction

from ..models import Document
from ..search import tokens_for

BATCH = 2000  # documents per UPDATE: a few MB of tokens, one short transaction


def reindex_documents(*, ids: list[int] | None = None, batch: int = BATCH) -> int:
    documents = Document.objects.order_by("pk")
    if ids is not None:
        documents = documents.filter(pk__in=ids)
    rows = documents.values_list("pk", "title", "document_type__name", "current_version__text")
    count, last = 0, 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:batch])
        if not chunk:
            return count
        # Tokens never contain spaces (CJK runs and [0-9a-z._@-] words), so one string per
        # document splits back into its tokens in SQL.
        pks = [pk for pk, *_ in chunk]
        tokens = [" ".join(tokens_for(title, type_name, text or "")) for _, title, type_name, text in chunk]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE documents_document AS d SET search_vector = array_to_tsvector(string_to_array(v.tokens, ' ')) "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, tokens) WHERE d.id = v.id", [pks, tokens])
        count += len(chunk)
        last = pks[-1]
