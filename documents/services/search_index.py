"""Rebuilding documents' search vectors in bulk (after a tokenizer change, or a restore):
tokens computed here, written with one UPDATE … FROM unnest(…) per batch.

Tokenizing (jieba, in this process) and PostgreSQL's work are of the same order, so they
overlap: a helper thread cuts batch N+1 while this thread has PostgreSQL read the next batch and
write batch N (the thread waiting on its socket lets go of the GIL). All database work stays on
this thread's connection — the tenant's schema, the caller's transaction — and the helper
touches no database.

Where the time went when every vector was rewritten (CPU per document, bench corpus of ~220
tokens a document, when every character of the text was a token too; measured on a busy 2-core
machine, so ±15%): tokenizing ~180-250 µs;
PostgreSQL ~400 µs, of which the GIN index ~240 (its pending list and the merge into the tree),
the 13 b-tree indexes of documents_document ~40 (no HOT update: the GIN indexes the column), the
new row version and building the vectors the rest. Reading the batch is ~10 µs. Tried and not
kept: a larger gin_pending_list_limit (cheaper only if its cleanup is left to autovacuum — the
same work later, and slower searches meanwhile; with the cleanup counted it was no better), a
larger work_mem for that cleanup (no change), fastupdate off (7× slower). The bench corpus's
vectors were 1.85 KB on average then, which made many rows longer than PostgreSQL's 2 KB TOAST
threshold: pglz cannot shrink them, so those were stored out of line, uncompressed (1.3 GB of
TOAST for 1,000,000 documents). Kept inline instead (toast_tuple_target 8160) the reindex was no
faster (3,618 against 3,805 docs/s, alternating ranges of 100,000 of a 1,000,000-document
corpus), and vectors alone in a narrow (id, vector) table with its own GIN index only ~7 % faster
(3,747 → 4,006): the GIN index is the cost, not the wide row. What did pay: fewer tokens — a text
no longer indexes every character of its own (documents/search.py), ~96 tokens a bench document
instead of ~214, and the full bench went from 3,700-4,100 to 6,889 documents a second."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, transaction

from ..search import index_string

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
# A vector that comes out the same is not written: an unchanged row costs no new row version, no
# GIN entries and no WAL (reindexing after a restore, or a second run, is mostly reading).
# MATERIALIZED: a subquery would be pulled up and each vector built twice, once for the
# comparison and once for the new row (~12% of PostgreSQL's time when every vector changes).
_WRITE = """
    WITH v AS MATERIALIZED (
        SELECT id, array_to_tsvector(string_to_array(tokens, ' ')) AS vector
          FROM unnest(%s::bigint[], %s::text[]) AS u(id, tokens))
    UPDATE documents_document AS d SET search_vector = v.vector
      FROM v
     WHERE d.id = v.id AND d.search_vector IS DISTINCT FROM v.vector
"""
MAX_ID = 2**63 - 1


def _index_strings(chunk: list[tuple]) -> list[str]:
    # Tokens never contain spaces (CJK runs and [0-9a-z._@-] words), so one string per
    # document splits back into its tokens in SQL.
    return [index_string(title, type_name, text) for _, title, type_name, text in chunk]


def reindex_documents(*, ids: list[int] | None = None, first_id: int = 1, last_id: int = MAX_ID,
                      batch: int = BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Recompute the search vector of every document (or of `ids`, or of ids first_id..last_id);
    returns how many documents were read. `progress(done)` is called after each batch written."""
    only = "AND d.id = ANY(%s)" if ids is not None else ""
    only_args = [list(ids)] if ids is not None else []

    def read(after: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(_READ.format(only=only), [after, last_id, *only_args, batch])
            return cursor.fetchall()

    written = 0

    def write(pks: list[int], strings: Future) -> None:
        nonlocal written
        tokens = strings.result()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE, [pks, tokens])
        written += len(pks)
        if progress is not None:
            progress(written)

    count, chunk = 0, read(first_id - 1)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reindex-tokens") as tokenizer:
        pending: tuple[list[int], Future] | None = None
        while chunk:
            pks = [row[0] for row in chunk]
            cutting = tokenizer.submit(_index_strings, chunk)
            if pending is not None:
                write(*pending)  # batch N, while the helper cuts batch N+1
            pending = (pks, cutting)
            count += len(chunk)
            chunk = read(pks[-1])  # still overlapping the helper
        if pending is not None:
            write(*pending)
    return count
