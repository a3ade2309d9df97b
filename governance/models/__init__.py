"""Governance (R6–R8): one module per concern, re-exported here for Django."""
from .audit import AuditEvent  # noqa: F401
from .access import AccessRecord  # noqa: F401
from .borrowing import BorrowingPolicy, Loan, LoanReminder  # noqa: F401
from .confidentiality import AccessGrant, AccessRequest, ConfidentialityLevel, ConfidentialityPolicy  # noqa: F401
from .retention import (  # noqa: F401
    DestructionRecord, DispositionApproval, DispositionBatch, DispositionItem, DispositionStep, LegalHold,
    RetentionRule,
)
from .pickups import ContractPickup  # noqa: F401
from .masking import MaskingPolicy  # noqa: F401
