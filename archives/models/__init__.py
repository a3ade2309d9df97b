"""Customer archives (R1–R4): one module per concern, re-exported here for Django."""
from .classification import ClassificationScheme, ClassificationTerm, Department  # noqa: F401
from .categories import ArchiveCategory, CustomFieldDefinition, CustomFieldType  # noqa: F401
from .customers import Contact, Customer, CustomerState  # noqa: F401
from .numbering import NumberSequence  # noqa: F401
from .volumes import ArchiveVolume  # noqa: F401
from .ledger import SalesLedgerEntry, SalesVoucher, VoucherCopy  # noqa: F401
from .interactions import (  # noqa: F401
    CommunicationRecord, Complaint, SatisfactionSurvey, ServiceRecord,
)
from .lifecycle import (  # noqa: F401
    ArchiveSettings, CadenceRule, ChangeRequest, CustomerChange, Notification,
)
from .imports import ExportRecord, ImportJob, ImportRowError  # noqa: F401
from .saved_filters import SavedFilter  # noqa: F401
