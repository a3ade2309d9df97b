"""Rebuilding documents' search vectors in bulk (after a tokenizer change, or a restore):
tokens computed here, written with one UPDATE … FROM unnest(…) per batch."""
from __future__ import annotations

from django.db import connection, transaction

from ..search import tokens_for

BATCH = 2000  # documents per UPDATE: a few MB of tokens, one short transaction

# One read per batch, in id order: the title, the type's name and the current version's text
# (what refresh_search indexes), without the ORM's per-row model overhead.
_READ = """
    SELECT d.id, d.title, t.name, coalesce(v.text, '')
      FROM documents_document d
      JOIN documents_documenttype t ON t.id = d.document_type_id
      LEFT JOIN documents_documentversion v ON v.id = d.current_version_id
     WHERE d.id > %s AND d.id <= %s {only}
     ORDER BY d.id
     LIMIT %s
"""
_WRITE = ("UPDATE documents_document AS d SET search_vector = array_to_tsvector(string_to_array(v.tokens, ' ')) "
          "FROM unnest(%s::bigint[], %s::text[]) AS v(id, tokens) WHERE d.id = v.id")
MAX_ID = 2**63 - 1


def reindex_documents(*, ids: list[int] | None = None, first_id: int = 1, last_id: int = MAX_ID,
                      batch: int = BATCH) -> int:
    """Recompute the search vector of every document (or of `ids`, or of ids first_id..last_id)."""
    only = "AND d.id = ANY(%s)" if ids is not None else ""
    count, last = 0, first_id - 1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_READ.format(only=only), [last, last_id, *([list(ids)] if ids is not None else []), batch])
            chunk = cursor.fetchall()
        if not chunk:
            return count
        # Tokens never contain spaces (CJK runs and [0-9a-z._@-] words), so one string per
        # document splits back into its tokens in SQL.
        pks = [row[0] for row in chunk]
        tokens = [" ".join(tokens_for(title, type_name, text)) for _, title, type_name, text in chunk]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE, [pks, tokens])
        count += len(chunk)
        last = pks[-1]
