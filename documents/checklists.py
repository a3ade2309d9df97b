"""The filing hook archives calls through settings.DANGAN_FILING_CHECKS (archives never imports
documents at module import time): a file is not filed while a required document is missing."""
from __future__ import annotations


def assert_complete_for_filing(*, actor, customer) -> None:
    from .services.checklists import assert_complete

    assert_complete(customer=customer)
