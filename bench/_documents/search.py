"""Full-text search over the corpus (the API, the selector, and `strpos` as the baseline), its
recall, and reindexing."""
from __future__ import annotations

import json
import random
import statistics
import time

from bench.lib.runner import log

from .harness import SEED, Client, percentile


def query_set(company: dict, count: int, rng: random.Random) -> list[str]:
    """Chinese queries as people type them: half 2-character words, half 4-character ones (a
    4-character word, or two 2-character words side by side), taken from jieba's precise cut of
    random documents' text."""
    import rjieba
    from django.db import connection

    from dangan.documents.search import CJK

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT text FROM "{company["schema"]}".documents_documentversion TABLESAMPLE SYSTEM (5) '
                       "LIMIT 2000")
        texts = [row[0] for row in cursor.fetchall()]
    two, four = [], []
    for text in texts:
        words = [word for word in rjieba.cut(text)]
        for index, word in enumerate(words):
            if len(word) == 2 and all(CJK.match(ch) for ch in word):
                two.append(word)
                following = words[index + 1] if index + 1 < len(words) else ""
                if len(following) == 2 and all(CJK.match(ch) for ch in following):
                    four.append(word + following)
            elif len(word) == 4 and all(CJK.match(ch) for ch in word):
                four.append(word)
    rng.shuffle(two)
    rng.shuffle(four)
    queries = []
    for a, b in zip(two, four):
        queries += [a, b]
        if len(queries) >= count:
            break
    return queries


def arbitrary_substrings(company: dict, count: int, rng: random.Random) -> list[str]:
    """2- and 4-character runs cut anywhere in random documents' text (also across words)."""
    from django.db import connection

    from dangan.documents.search import CJK

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT text FROM "{company["schema"]}".documents_documentversion TABLESAMPLE SYSTEM (5) '
                       "LIMIT 500")
        texts = [row[0] for row in cursor.fetchall()]
    queries = []
    while len(queries) < count:
        text, length = rng.choice(texts), 2 + 2 * (len(queries) % 2)
        start = rng.randrange(0, max(1, len(text) - length))
        candidate = text[start:start + length]
        if len(candidate) == length and all(CJK.match(ch) for ch in candidate):
            queries.append(candidate)
    return queries


def recall(company: dict, queries: list[str], limit_id: int) -> dict:
    """Documents (id ≤ limit_id) whose text holds the query, and how many of them the search finds."""
    from django.db import connection

    from dangan.documents.search import tsquery_for

    schema = company["schema"]
    per_query, found_total, truth_total, extra_total = [], 0, 0, 0
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(
                f'SELECT count(*) FILTER (WHERE strpos(v.text, %s) > 0), '
                f'count(*) FILTER (WHERE strpos(v.text, %s) > 0 AND d.search_vector @@ %s::tsquery), '
                f'count(*) FILTER (WHERE strpos(v.text, %s) = 0 AND d.search_vector @@ %s::tsquery) '
                f'FROM "{schema}".documents_document d JOIN "{schema}".documents_documentversion v '
                f'ON v.id = d.current_version_id WHERE d.id <= %s',
                [query, query, tsquery_for(query), query, tsquery_for(query), limit_id])
            truth, found, extra = cursor.fetchone()
            if truth:
                per_query.append(found / truth)
            found_total, truth_total, extra_total = found_total + found, truth_total + truth, extra_total + extra
    return {"recall": round(found_total / max(1, truth_total), 4),
            "recall_mean_per_query": round(statistics.mean(per_query), 4) if per_query else None,
            "precision": round(found_total / max(1, found_total + extra_total), 4)}


def measure_search(port: int, company: dict, size: dict) -> tuple[dict, dict, dict]:
    from urllib.parse import urlencode

    from django.db import connection

    rng = random.Random(SEED + 1)
    queries = query_set(company, size["search_queries"] + size["search_warmup"], rng)
    client = Client(port, company)
    samples, hits = [], []
    for n, query in enumerate(queries):
        status, data, elapsed = client.request("GET", "/api/v1/documents/search/?" + urlencode({"q": query, "page_size": 20}))
        if status != 200:
            raise AssertionError(f"search {query}: {status} {data[:200]!r}")
        if n >= size["search_warmup"]:
            samples.append(elapsed)
            hits.append(len(json.loads(data)["results"]))
    client.close()
    metrics = {"fulltext_search_p95_ms": percentile(samples, 0.95), "fulltext_search_p50_ms": percentile(samples, 0.5)}

    # The same first pages in process, through the selector (SQL and rows, no HTTP or
    # serializer): what the baseline below is compared with.
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User
    from dangan.documents import selectors

    sql_samples = []
    with schema_context(company["schema"]):
        admin = User.objects.get(pk=company["admin_id"])
        for query in queries[size["search_warmup"]:size["search_warmup"] + size["baseline_search_queries"]]:
            start = time.perf_counter()
            list(selectors.document_search(user=admin, q=query).order_by("-id")[:21])
            sql_samples.append((time.perf_counter() - start) * 1000)
    connection.set_schema_to_public()
    metrics["fulltext_search_selector_p95_ms"] = percentile(sql_samples, 0.95)

    # The baseline: plain substring matching, newest 20, straight in SQL (no API around it).
    schema, baseline_samples = company["schema"], []
    with connection.cursor() as cursor:
        for query in queries[size["search_warmup"]:size["search_warmup"] + size["baseline_search_queries"]]:
            start = time.perf_counter()
            cursor.execute(f'SELECT d.id FROM "{schema}".documents_document d JOIN "{schema}".documents_documentversion v '
                           f'ON v.id = d.current_version_id WHERE strpos(v.text, %s) > 0 ORDER BY d.id DESC LIMIT 20',
                           [query])
            cursor.fetchall()
            baseline_samples.append((time.perf_counter() - start) * 1000)
    baseline = {"fulltext_search_p95_ms": percentile(baseline_samples, 0.95),
                "fulltext_search_selector_p95_ms": percentile(baseline_samples, 0.95),
                "fulltext_search_p50_ms": percentile(baseline_samples, 0.5)}

    limit_id = size["recall_documents"]
    words = recall(company, queries[:size["recall_queries"]], limit_id)
    anywhere = recall(company, arbitrary_substrings(company, size["recall_queries"], rng), limit_id)
    metrics.update(fulltext_recall=words["recall"], fulltext_recall_mean_per_query=words["recall_mean_per_query"],
                   fulltext_precision=words["precision"], fulltext_recall_any_substring=anywhere["recall"],
                   fulltext_precision_any_substring=anywhere["precision"])
    baseline.update(fulltext_recall=1.0)
    params = {"search_queries_timed": len(samples), "search_results_per_page_median": statistics.median(hits),
              "search_queries_sample": queries[:12], "recall_queries": size["recall_queries"],
              "recall_over_documents": min(limit_id, size["documents"]),
              "baseline_search_queries": len(baseline_samples)}
    log(f"search: p95 {metrics['fulltext_search_p95_ms']} ms (substring {baseline['fulltext_search_p95_ms']} ms), "
        f"recall {words['recall']} (any substring {anywhere['recall']})")
    return metrics, baseline, params


def measure_reindex(company: dict, size: dict) -> tuple[dict, dict]:
    from django.db import connection
    from django_tenants.utils import schema_context

    from dangan.documents.models import Document
    from dangan.documents.services.documents import refresh_search
    from dangan.documents.services.search_index import reindex_documents

    with schema_context(company["schema"]):
        count = min(size["reindex_documents"], size["documents"])
        # Every vector rewritten: the corpus was loaded with current vectors, which reindexing
        # leaves alone, so they are emptied first (untimed) — the case of a tokenizer change.
        # VACUUM afterwards: emptying left a dead version of every row (and its entries in the 13
        # b-tree indexes) that a table in use would not carry; timed with them, the reindex was
        # ~10 % slower (alternating --quick runs) and slower again at each repetition.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE documents_document SET search_vector = NULL WHERE id <= %s", [count])
            cursor.execute("VACUUM documents_document")
        start = time.perf_counter()
        done = reindex_documents(first_id=1, last_id=count)
        elapsed = time.perf_counter() - start
        assert done == count, (done, count)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM documents_document WHERE id <= %s AND search_vector IS NULL", [count])
            assert cursor.fetchone()[0] == 0
        # Vectors already current (after a restore, or a second run): read, cut, compare, no write.
        start = time.perf_counter()
        reindex_documents(first_id=1, last_id=count)
        unchanged_elapsed = time.perf_counter() - start
        sample = list(Document.objects.select_related("document_type", "current_version")
                      .filter(pk__gt=count - size["reindex_baseline_documents"], pk__lte=count))
        start = time.perf_counter()
        for document in sample:
            refresh_search(document)
        baseline_elapsed = time.perf_counter() - start
    connection.set_schema_to_public()
    log(f"reindex: {count:,} in {elapsed:.1f} s (unchanged {unchanged_elapsed:.1f} s); "
        f"one by one {len(sample)} in {baseline_elapsed:.1f} s")
    return ({"reindex_docs_per_s": round(count / elapsed),
             "reindex_unchanged_docs_per_s": round(count / unchanged_elapsed)},
            {"reindex_docs_per_s": round(len(sample) / baseline_elapsed)})
