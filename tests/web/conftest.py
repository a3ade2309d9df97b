"""Fixtures of the web tests: the archives company (tests/archives/fixtures.py) with a signed-in
browser-like client per person."""
from __future__ import annotations

import re

import pytest

SCRIPT = "<script>alert(1)</script>"


def pytest_configure(config):
    # pytest-playwright empties its --output folder (default test-results/) when a session
    # starts; the browser tests keep their screenshots in test-results/screenshots/, so the
    # plugin gets a folder of its own inside it.
    if getattr(config.option, "output", None) == "test-results":
        config.option.output = "test-results/playwright"


@pytest.fixture
def web(company, tenant_client):
    """`web(user)`: a test client on the company's host, signed in as `user`."""

    def as_user(user, **kwargs):
        client = tenant_client(company.tenant, **kwargs)
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def category_with_fields(company):
    """A category like a car-repair shop's: a required plate number, a phone, a choice."""
    from dangan.archives.services import configuration as config

    category = config.category_create(actor=company.admin, code="car", name="车主档案")
    config.field_define(actor=company.admin, category=category, key="plate_no", label="车牌号", field_type="text",
                        required=True, searchable=True)
    config.field_define(actor=company.admin, category=category, key="mobile", label="车主手机", field_type="phone")
    config.field_define(actor=company.admin, category=category, key="fuel", label="燃料类型", field_type="choice",
                        choices=["汽油", "柴油", "电动"])
    config.field_define(actor=company.admin, category=category, key="insured", label="已投保", field_type="boolean")
    return category


def text_of(response) -> str:
    return response.content.decode()


def scripts_without_src(html: str) -> list[str]:
    """Inline scripts (a JSON data block is data, not script)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", html)
            if "src=" not in tag and 'type="application/json"' not in tag]


@pytest.fixture
def stranger(company, make_tenant, tenant_client):
    """A client on the company's host carrying the session of another company's administrator
    (signed in on their own host): it must reach nothing of this company."""
    from django.db import connection

    from dangan.accounts.models import User

    current = connection.tenant
    connection.set_schema_to_public()
    other = make_tenant(company_name="另一家公司")
    connection.set_tenant(other)
    own = tenant_client(other)
    own.force_login(User.objects.get(email=other.admin_email))
    connection.set_tenant(current)
    client = tenant_client(company.tenant)
    client.cookies = own.cookies
    return client
