"""Governance (R6–R8): one module per concern, re-exported here for Django."""
from .audit import AuditEvent  # noqa: F401
from .access import AccessRecord  # noqa: F401
from .retention import (  # noqa: F401
    DestructionRecord, DispositionApproval, DispositionBatch, DispositionItem, DispositionStep, LegalHold,
    RetentionRule,
)
