"""Customer search: Chinese substrings, pinyin (full and initials), numbers, phones, names.

Each file stores a `simple`-config tsvector of tokens built here: every CJK character and
every pair of adjacent CJK characters (so any Chinese substring query becomes an AND of
bigrams, answered by the GIN index), the name's full pinyin and initials, and lower-cased
words of the archive number, phones, e-mails, contact names and searchable custom fields.
ASCII queries match tokens by prefix (`zs` finds 张三 through its initials `zs`).
"""
from __future__ import annotations

import operator
import re

# pypinyin is imported where it is used: its dictionaries take ~55 MB, which every web worker
# would otherwise carry from start-up whether or not it ever indexes a name.

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[0-9a-z@._\-]+")
SEPARATORS = re.compile(r"[@._\-]")
MAX_TOKEN = 60


def pinyin_full(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, errors="ignore")).lower()


def pinyin_initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def cjk_ngrams(text: str) -> set[str]:
    tokens: set[str] = set()
    for run in CJK.findall(text or ""):
        tokens.update(run)
        if len(run) > 1:
            tokens.update(map(operator.add, run, run[1:]))  # adjacent pairs, without a slice each
    return tokens


def ascii_words(text: str) -> set[str]:
    words = set()
    for word in WORD.findall((text or "").lower()):
        words.add(word[:MAX_TOKEN])
        # phone numbers and archive numbers are searched by their parts too
        parts = [word] if word.isalnum() else [part for part in SEPARATORS.split(word) if part]
        words.update(parts)
        for part in parts:
            if len(part) >= 7 and part.isdigit():
                words.add(part[-4:])  # phones are often asked for by their last four digits (尾号)
    return words


def document_tokens(*, archive_number: str, name: str, texts: list[str]) -> list[str]:
    from pypinyin import lazy_pinyin

    tokens: set[str] = set()
    for text in [archive_number, name, *texts]:
        tokens |= cjk_ngrams(text)
        tokens |= ascii_words(text)
    for text in [name, *texts]:
        if CJK.search(text or ""):
            tokens.add(pinyin_full(text)[:MAX_TOKEN])
            tokens.add(pinyin_initials(text)[:MAX_TOKEN])
            tokens.update(lazy_pinyin(text, errors="ignore"))  # single syllables: "zhang san"
    return sorted(token for token in tokens if token)


def _quote(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"


def tsquery_for(q: str) -> str | None:
    """A to_tsquery('simple', …) expression string for the user's query, or None if empty."""
    q = (q or "").strip().lower()
    parts: list[str] = []
    for run in CJK.findall(q):
        if len(run) == 1:
            parts.append(_quote(run))
        else:
            parts.extend(_quote(run[i:i + 2]) for i in range(len(run) - 1))
    for word in WORD.findall(CJK.sub(" ", q)):
        parts.append(_quote(word[:MAX_TOKEN]) + ":*")
    return " & ".join(dict.fromkeys(parts)) or None
