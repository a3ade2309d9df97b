"""The password rules speak the page's language: Django 5.2's own minimum-length message had no
Chinese (accounts/password_validation.py)."""
from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "密码长度太短。密码必须包含至少 10 个字符。"),
    ("en", "This password is too short. It must contain at least 10 characters."),
])
def test_a_short_password_is_refused_in_the_pages_language(language, expected):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_password("Qz7#kp")
    assert expected in refused.value.messages


def test_the_length_rule_is_explained_in_chinese():
    with translation.override("zh-hans"):
        texts = password_validators_help_texts()
    assert any("10" in text and "字符" in text for text in texts), texts
    assert not any(text.startswith("Your password") for text in texts), texts


def test_a_long_enough_password_passes_the_length_rule():
    assert validate_password("Qz7#kp-Archive-2026") is None  # it raises when a rule refuses


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "密码跟 电子邮箱 太相似了。"),
    ("en", "The password is too similar to the email."),
])
def test_a_password_like_the_email_is_refused_naming_the_field_in_the_pages_language(language, expected):
    from dangan.accounts.models import User

    user = User(email="zhangsan.archive@demo.example", full_name="张三")
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_password("zhangsan.archive", user)
    assert expected in refused.value.messages
    assert [error.code for error in refused.value.error_list] == ["password_too_similar"]


def test_a_password_like_the_name_is_refused_too():
    from dangan.accounts.models import User

    user = User(email="someone@demo.example", full_name="Zhang Sanfeng")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("zhangsanfeng", user)
    assert "密码跟 姓名 太相似了。" in refused.value.messages
    assert validate_password("Qz7#kp-Archive-2026", user) is None
