"""archives/search.py's token makers: the search vectors of every customer file come from these,
and stored vectors stay comparable only while they give the same tokens for the same text."""
from __future__ import annotations

import random
import re

import pytest

from dangan.archives import search


def reference_cjk_ngrams(text: str) -> set[str]:
    """Every CJK character and every pair of adjacent ones, written the plain way."""
    tokens: set[str] = set()
    for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text or ""):
        tokens.update(run)
        tokens.update(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


def reference_ascii_words(text: str) -> set[str]:
    words = set()
    for word in re.findall(r"[0-9a-z@._\-]+", (text or "").lower()):
        words.add(word[:search.MAX_TOKEN])
        parts = [part for part in re.split(r"[@._\-]", word) if part]
        words.update(parts)
        for part in parts:
            if part.isdigit() and len(part) >= 7:
                words.add(part[-4:])
    return words


def random_texts(count: int) -> list[str]:
    rng = random.Random(20261127)
    alphabet = list("北京同仁大药房朝阳区店张三李四") + list("abcXYZ0123456789") + list("@._- （）,，/") + ["𠀀", "\uf900"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(count)]


@pytest.mark.parametrize("text", [
    "", None, "北", "北京同仁大药房（朝阳区12店）", "13812345678", "c1@example.cn", "JXS-EAST-2026-00001",
    "no.2026-001", "A" * 80, "1" * 80, "---", "a-b", "x@y", "王 伟", "020-12345678", "abc123def", "ABC_def.GHI"])
def test_tokens_of_known_texts(text):
    assert search.cjk_ngrams(text) == reference_cjk_ngrams(text)
    assert search.ascii_words(text) == reference_ascii_words(text)


def test_tokens_of_random_mixed_texts():
    for text in random_texts(3000):
        assert search.cjk_ngrams(text) == reference_cjk_ngrams(text), text
        assert search.ascii_words(text) == reference_ascii_words(text), text


def test_what_a_phone_and_a_number_give():
    assert search.ascii_words("Tel 138-1234-5678, 13812345678") == {
        "tel", "138-1234-5678", "138", "1234", "5678", "13812345678", "5678"}
    assert search.cjk_ngrams("北京药房") == {"北", "京", "药", "房", "北京", "京药", "药房"}
