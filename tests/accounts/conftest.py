"""Fixtures of the sign-in tests: real TOTP codes computed from a device's key."""
from __future__ import annotations

import time

import pytest


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for `device`, `steps_ahead` periods from now (codes
    of later periods let one test give several codes: django-otp refuses a code used before)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def sign_in(tenant_client):
    """A fresh client on `tenant`'s host that posts the login form; returns (client, response)."""

    def make(tenant, email, password, **extra):
        client = tenant_client(tenant)
        return client, client.post("/accounts/login/", {"username": email, "password": password, **extra})

    return make


@pytest.fixture
def web(company, tenant_client):
    """`web(user)`: a client on the company's host, signed in as `user` (password only)."""

    def as_user(user):
        client = tenant_client(company.tenant)
        client.force_login(user)
        return client

    return as_user
