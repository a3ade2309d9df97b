"""Documents (R4, R5): one module per concern, re-exported here for Django."""
from .types import DocumentType, OriginalOrCopy  # noqa: F401
from .locations import CustomerPaperLocation, PhysicalLocation  # noqa: F401
from .checklists import Checklist, ChecklistItem, CustomerCompleteness  # noqa: F401
from .usage import StorageUsage  # noqa: F401
from .documents import (  # noqa: F401
    Document, DocumentVersion, DownloadRecord, OcrStatus, ScanStatus, StepStatus, UploadSource, UploadState,
)
