"""Search tokens for many customers at once — the same tokens archives/search.py makes.

pypinyin costs ~60 µs per string (segmentation into words, then a style conversion per word
with deep copies), and a customer's name, address and contacts each need two of them: it was
the slowest step of a bulk import. pypinyin cuts a text into runs of Chinese characters and
runs of anything else, segments and converts each run on its own, so memoising per run (and
per word inside a run) gives exactly pypinyin's answer while names and addresses share most of
their runs (北京, 大药房, 朝阳区 …). The tests compare these tokens with
archives.search.document_tokens and the stored vector with refresh_search's.
"""
from __future__ import annotations

import re

from pypinyin import Style
from pypinyin.constants import RE_HANS
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin
from pypinyin.seg.simpleseg import simple_seg

from dangan.platform.db import tsvector_literal

from ..search import CJK, MAX_TOKEN, ascii_words, cjk_ngrams

MEMO_LIMIT = 200_000  # words / runs per memo; a few tens of MB at most, reset when full


class _MemoConverter(UltimateConverter):
    def __init__(self) -> None:
        # lazy_pinyin()'s own converter settings (pypinyin.core.lazy_pinyin defaults).
        super().__init__(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False)
        self.memo: dict[tuple, list] = {}

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        key = (words, style, heteronym, errors, strict)
        found = self.memo.get(key)
        if found is None:
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            found = super().convert(words, style, heteronym, errors, strict, **kwargs)
            self.memo[key] = found
        return [list(item) for item in found]  # callers own their lists


_pinyin = Pinyin(_MemoConverter())
_runs_memo: dict[str, tuple[list[str], str]] = {}


def _runs_splitter():
    """pypinyin's own split into runs of Chinese characters and of anything else
    (simpleseg._seg walks the text a character at a time), as one regular expression built from
    its RE_HANS character class; pypinyin's function if that pattern ever changes shape."""
    pattern = RE_HANS.pattern
    if pattern.startswith("^(?:[") and pattern.endswith("])+$"):
        chars = pattern[len("^(?:["):-len("])+$")]
        finder = re.compile(f"[{chars}]+|[^{chars}]+").findall
        return lambda text: finder(text) or [text]
    return simple_seg


_runs = _runs_splitter()


def _run_pinyin(run: str) -> tuple[list[str], str]:
    """(lazy_pinyin(run), its initials). Style.FIRST_LETTER is the first letter of the
    NORMAL syllable (pypinyin's OthersConverter.to_first_letter), so one conversion serves
    both — except for a syllable NORMAL style spells with "v" (ü), where the letters could differ:
    those ask pypinyin."""
    found = _runs_memo.get(run)
    if found is None:
        if len(_runs_memo) >= MEMO_LIMIT:
            _runs_memo.clear()
        syllables = _pinyin.lazy_pinyin(run, errors="ignore")
        if all(syllable and syllable[0] != "v" for syllable in syllables):
            initials = "".join(syllable[0] for syllable in syllables)
        else:
            initials = "".join(_pinyin.lazy_pinyin(run, style=Style.FIRST_LETTER, errors="ignore"))
        found = _runs_memo[run] = (syllables, initials)
    return found


def text_pinyin(text: str) -> tuple[list[str], str]:
    """(pypinyin.lazy_pinyin(text, errors="ignore"), the same with Style.FIRST_LETTER joined).

    pypinyin cuts a text into runs, segments and converts each run on its own: a text's
    syllables are its runs' syllables, concatenated, so runs can be memoised.
    """
    syllables: list[str] = []
    initials = []
    for run in _runs(text or ""):
        run_syllables, run_initials = _run_pinyin(run)
        syllables.extend(run_syllables)
        initials.append(run_initials)
    return syllables, "".join(initials)


def pinyin_full(text: str) -> str:
    return "".join(text_pinyin(text)[0]).lower()


def pinyin_initials(text: str) -> str:
    return text_pinyin(text)[1].lower()


def document_tokens(*, archive_number: str, name: str, texts: list[str]) -> list[str]:
    """archives.search.document_tokens, with memoised pinyin."""
    tokens = text_tokens(name=name, texts=texts) | number_tokens(archive_number)
    return sorted(token for token in tokens if token)


def text_tokens(*, name: str, texts: list[str]) -> set[str]:
    """document_tokens without the archive number's: all that can be known before numbering
    (the import computes these while the previous chunk is being written)."""
    tokens: set[str] = set()
    for text in [name, *texts]:
        if text:
            tokens |= _one_text_tokens(text)
    return tokens


_text_memo: dict[str, frozenset] = {}


def _one_text_tokens(text: str) -> frozenset:
    """One text's share of document_tokens, memoised: contact names, company names and the
    like recur across a register."""
    found = _text_memo.get(text)
    if found is None:
        tokens = cjk_ngrams(text) | ascii_words(text)
        if CJK.search(text):
            syllables, initials = text_pinyin(text)
            tokens.add("".join(syllables).lower()[:MAX_TOKEN])
            tokens.add(initials.lower()[:MAX_TOKEN])
            tokens.update(syllables)
        if len(_text_memo) >= MEMO_LIMIT:
            _text_memo.clear()
        found = _text_memo[text] = frozenset(tokens)
    return found


def number_tokens(archive_number: str) -> set[str]:
    """The archive number's share of document_tokens: its n-grams and words."""
    return cjk_ngrams(archive_number) | ascii_words(archive_number)


def number_literal(archive_number: str) -> str:
    """number_tokens as tsvector input text: the number is only known when the chunk is
    written, and its text is appended to the prepared text."""
    tokens = number_tokens(archive_number)
    tokens.discard("")
    return tsvector_literal(list(tokens))


def vector_literal(text_part: str, archive_number: str) -> str:
    """tsvector input text for document_tokens: `text_part` (text_literal of text_tokens, made
    before numbering), then the number's tokens. PostgreSQL's tsvector input sorts the lexemes
    and drops repeats, in C: sorting and merging here cost a tenth of an import's Python time,
    for the same stored vector (tests compare it with refresh_search's)."""
    number_part = number_literal(archive_number)
    return f"{text_part} {number_part}" if text_part and number_part else (text_part or number_part)


def text_literal(tokens: set[str]) -> str:
    """tsvector input text of text_tokens' set, unsorted, without the empty token."""
    return tsvector_literal([token for token in tokens if token])


def customer_texts(*, address: str, contacts: list[dict], custom_fields: dict, searchable: set[str]) -> list[str]:
    """What archives.services.search_index.refresh_search indexes besides number and name."""
    texts = [address]
    for contact in contacts:
        texts += [contact["name"], contact["phone"], contact["email"]]
    for key, value in (custom_fields or {}).items():
        if key in searchable:
            texts.extend(value if isinstance(value, list) else [str(value)])
    return texts

