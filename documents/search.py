"""Full-text search over document text: Chinese cut by jieba (rjieba, the jieba-rs binding) in
search mode, plus every CJK character of short texts, stored literally in a `tsvector`
(array_to_tsvector, no parser) with a GIN index.

Search mode emits the words of a long word as well (中华人民共和国 → 中华, 华人, 人民, 共和,
共和国, 中华人民共和国), so a query that is a word, or a run of words, finds the documents whose
text holds it. A query is cut by jieba's precise mode and its words are ANDed; a word longer than two
characters also matches as all of its own search-mode pieces; a character jieba leaves single
matches where the document's own cut left it single too; ASCII words (numbers, codes) match by
prefix.

Short texts (a title, a type's name, anything up to _SHORT characters) also index every CJK
character, so a one-character query finds them as it finds a new upload's title (light_tokens_for).
A document's text does not: every character of it was 125 of the ~214 tokens of a bench document,
and the GIN index's work grows with the tokens — without them the bulk reindex went from ~3,800
to ~6,500 documents a second (alternating ranges of 100,000, 1,000,000-document corpus) while
the recall of the bench's word queries stayed 0.9985 (a simulation over 8,000 documents; runs
of characters cut anywhere, across words, 0.857 → 0.846). What is given up: one character of a
word of the text (敏 of 李敏) no longer finds it.
"""
from __future__ import annotations

import re
from functools import lru_cache

# rjieba is imported on first use: its dictionary takes ~30 MB, which every web worker would
# otherwise carry from start-up whether or not it ever cuts a text.

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z][0-9a-z._@\-]*")
MAX_TOKEN = 60
# A tsvector holds at most 1 MB; the first ~200,000 characters of a document's text are plenty
# to find it (a 300-page contract), and they keep indexing time bounded.
MAX_TEXT = 200_000


def _words(text: str) -> list[str]:
    import rjieba

    return rjieba.cut_for_search(text)


def tokens_for(*texts: str) -> list[str]:
    """Distinct index tokens of `texts`: jieba search-mode words, the single CJK characters of
    short texts, and lower-cased ASCII words (numbers, codes)."""
    return sorted(_token_set(texts))


def index_string(*texts: str) -> str:
    """The tokens of `texts` joined by spaces, unsorted: what bulk reindexing sends, one string a
    document (tokens never hold a space, so SQL splits it back; array_to_tsvector sorts)."""
    return " ".join(_token_set(texts))


def _token_set(texts) -> set[str]:
    tokens: set[str] = set()
    for text in texts:
        if text:
            tokens |= _text_tokens(text) if len(text) <= _SHORT else _tokens_of(text)
    return tokens


def _tokens_of(text: str) -> set[str]:
    """jieba's search-mode words of `text` (no single characters of its own: module doc)."""
    # Reindexing runs this for every document: the CJK words (nearly all of them) are kept by
    # C-level filtering of the distinct words; only the few other words go through the loop.
    text = text[:MAX_TEXT].lower()
    words = set(_words(text))
    tokens = set(filter(CJK.match, words))
    others = words.difference(tokens)
    if max(map(len, tokens), default=0) > MAX_TOKEN:
        tokens = {token[:MAX_TOKEN] for token in tokens}
    for word in others:
        for match in TOKEN.findall(word):
            tokens.add(match[:MAX_TOKEN])
            # "no.2026-001" is also found by "2026" and "001"
            tokens.update(part[:MAX_TOKEN] for part in _SEPARATORS.split(match) if part)
    return tokens


_SHORT = 100
_SEPARATORS = re.compile(r"[._@\-]")


# Titles and type names repeat across documents (合同, 身份证复印件 …): their tokens are cached.
@lru_cache(maxsize=4096)
def _text_tokens(text: str) -> frozenset[str]:
    """A short text's words and, unlike a long one's, every CJK character of it (module doc)."""
    return frozenset(_tokens_of(text).union(CJK.findall(text)))


def light_tokens_for(*texts: str) -> list[str]:
    """Index tokens of short texts (a title, a type's name) without jieba, for the web process:
    its dictionary costs ~30 MB of memory in whatever process first cuts a text, and the worker
    that processes the upload writes the jieba vector shortly after (refresh_search).

    Every CJK character and every 2- to 4-character run of CJK characters: jieba's search-mode
    pieces of a word are 2- and 3-character runs of it, so a query's terms (tsquery_for) find
    the text as they would in its jieba vector — more loosely (runs across word boundaries match
    too) until the worker's vector replaces these. ASCII words as in _tokens_of."""
    tokens: set[str] = set()
    for text in texts:
        for match in TOKEN.findall((text or "")[:_SHORT * 2].lower()):
            if CJK.match(match):
                tokens.update(match[start:start + size] for size in range(1, _LIGHT_NGRAM + 1)
                              for start in range(len(match) - size + 1))
            else:
                tokens.add(match[:MAX_TOKEN])
                tokens.update(part[:MAX_TOKEN] for part in _SEPARATORS.split(match) if part)
    return sorted(tokens)


_LIGHT_NGRAM = 4


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def query_terms(q: str) -> list[str]:
    """The tokens a query must all match (in order of appearance, duplicates dropped)."""
    import rjieba

    terms: list[str] = []
    for word in rjieba.cut((q or "").strip().lower()):
        word = word.strip()
        if not word:
            continue
        if CJK.match(word):
            terms.append(word[:MAX_TOKEN])
        else:
            terms.extend(match[:MAX_TOKEN] for match in TOKEN.findall(word))
    return list(dict.fromkeys(terms))


def _term(term: str) -> str:
    if not CJK.match(term):
        return _quote(term) + ":*"
    if len(term) <= 2:
        return _quote(term)
    # A long query word may not be a word of the document's segmentation ("档案管理" inside
    # "客户档案管理制度" is cut 客户/档案/管理制度): its own search-mode pieces, all present,
    # match too.
    pieces = [piece for piece in dict.fromkeys(_words(term)) if piece != term and len(piece) >= 2]
    if not pieces:
        return _quote(term)
    return "(" + _quote(term) + " | (" + " & ".join(_quote(piece) for piece in pieces) + "))"


def tsquery_for(q: str) -> str | None:
    """A tsquery (cast, not parsed) ANDing the query's terms; None for an empty query."""
    parts = [_term(term) for term in query_terms(q)]
    return " & ".join(parts) or None
