"""Fixtures of the staff console tests: staff and non-staff people of the public schema."""
from __future__ import annotations

import pytest

STAFF_PASSWORD = "pw-Staff-Console-2026"


@pytest.fixture
def staff_user(db):
    """A platform staff account with a password, for the sign-in tests."""
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User

    with schema_context("public"):
        return User.objects.create_user(email="staff@dangan.example", password=STAFF_PASSWORD, full_name="值班运维",
                                        is_staff=True)


@pytest.fixture
def public_non_staff(db):
    """A signed-in public-schema user without is_staff: the console must refuse them."""
    from django.test import Client
    from django_tenants.utils import schema_context

    from dangan.accounts.models import User

    with schema_context("public"):
        person = User.objects.create_user(email="visitor@dangan.example", password=STAFF_PASSWORD, full_name="访客")
    client = Client(HTTP_HOST="localhost")
    client.force_login(person)
    return client


def row_of(html: str, marker: str) -> str:
    """The table row (<tr>…</tr>) holding `marker`."""
    start = html.rindex("<tr", 0, html.index(marker))
    return html[start:html.index("</tr>", start)]
