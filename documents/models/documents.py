"""Documents of a customer file, their immutable versions (one object each), and the record of
every download link handed out."""
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .types import OriginalOrCopy


class UploadState(models.TextChoices):
    """pending → uploaded → verified → available, or rejected (from any state before available).

    pending: the row exists, the bytes are on their way to the quarantine key.
    uploaded: the client (or the proxy) says the bytes are there; not yet checked.
    verified: size, SHA-256 and type checked; promoted to the version's final key.
    available: scanned (where a scanner is configured) and processed; downloadable.
    rejected: refused (type, checksum, virus, expiry …); its object is deleted.
    """

    PENDING = "pending", _("待上传")
    UPLOADED = "uploaded", _("已上传待校验")
    VERIFIED = "verified", _("已校验处理中")
    AVAILABLE = "available", _("可用")
    REJECTED = "rejected", _("已拒收")


class UploadSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    IMPORT = "import", _("导入")


class StepStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    RUNNING = "running", _("处理中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class OcrStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("完成")
    NOT_NEEDED = "not_needed", _("不需要（有文本层）")
    UNAVAILABLE = "ocr_unavailable", _("OCR 未安装")
    FAILED = "failed", _("失败")


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("待扫描")
    CLEAN = "clean", _("未发现威胁")
    INFECTED = "infected", _("发现威胁")
    FAILED = "scan_failed", _("扫描失败")
    NOT_CONFIGURED = "not_configured", _("未配置扫描")


class Document(models.Model):
    class State(models.TextChoices):
        EMPTY = "empty", _("暂无可用文件")
        AVAILABLE = "available", _("可用")
        DELETED = "deleted", _("已删除")

    # db_index=False on customer, voucher_copy and document_type: Meta.indexes hold indexes that
    # lead with each of them, and a second copy would only cost every write (a search vector
    # rewrite is not a HOT update, so it touches every index of the table).
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="documents",
                                 verbose_name=_("客户档案"), db_index=False)
    ledger_entry = models.ForeignKey("archives.SalesLedgerEntry", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="documents", verbose_name=_("销售台帐"))
    voucher_copy = models.ForeignKey("archives.VoucherCopy", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="documents", verbose_name=_("凭证联次"), db_index=False)
    checklist_item = models.ForeignKey("documents.ChecklistItem", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="documents", verbose_name=_("清单项"))
    document_type = models.ForeignKey("documents.DocumentType", on_delete=models.PROTECT, related_name="documents",
                                      verbose_name=_("资料类型"), db_index=False)
    original_or_copy = models.CharField(_("原件/复印件"), max_length=10, choices=OriginalOrCopy.choices,
                                        default=OriginalOrCopy.COPY)
    copies = models.PositiveIntegerField(_("份数"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    physical_location = models.ForeignKey("documents.PhysicalLocation", on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="documents", verbose_name=_("纸质原件位置"))
    # The newest available version; earlier ones stay readable through `versions`.
    current_version = models.ForeignKey("documents.DocumentVersion", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.EMPTY)
    # 密级 of this document (empty: the file's level applies), set only by
    # governance.services.confidentiality; the stricter of the two governs.
    confidentiality = models.ForeignKey("governance.ConfidentialityLevel", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", verbose_name=_("密级"),
                                        db_index=False)  # only ever read through the row; spares imports an index
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Soft deletion (documents/services/deletion.py): the row stays for the audit trail, out of
    # every list, search and completeness count; a task purges its versions' objects.
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    deletion_reason = models.CharField(_("删除原因"), max_length=500, blank=True)
    objects_purged_at = models.DateTimeField(null=True, blank=True)
    # jieba search-mode tokens of the current version's text, the title and the type, stored
    # literally (array_to_tsvector); see documents/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("档案资料")
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="documents_doc_customer_idx"),
            models.Index(fields=["document_type"], name="documents_doc_type_idx"),
            models.Index(fields=["voucher_copy"], name="documents_doc_voucher_idx"),
            GinIndex(fields=["search_vector"], name="documents_doc_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One upload of a document. Immutable once verified: a new upload is a new version with a
    new object key; nothing is ever overwritten."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("版本"))
    # Keys relative to the tenant prefix (documents/storage.py adds "<schema>/"). Both are made
    # by the server: the client never names a key.
    object_key = models.CharField(max_length=300, unique=True)  # docs/<document id>/v<n>/<uuid>
    quarantine_key = models.CharField(max_length=300, blank=True)  # quarantine/<uuid>
    multipart_upload_id = models.CharField(max_length=300, blank=True)
    thumbnail_key = models.CharField(max_length=300, blank=True)

    declared_size = models.BigIntegerField(null=True, blank=True)
    declared_sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    mime_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    page_count = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    original_filename = models.CharField(_("原文件名"), max_length=255, blank=True)

    source = models.CharField(_("来源"), max_length=10, choices=UploadSource.choices, default=UploadSource.API)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    upload_expires_at = models.DateTimeField(null=True, blank=True)
    upload_state = models.CharField(_("上传状态"), max_length=20, choices=UploadState.choices,
                                    default=UploadState.PENDING)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    rejection_code = models.CharField(max_length=60, blank=True)
    rejection_detail = models.CharField(max_length=300, blank=True)

    # processing pipeline (documents/services/processing.py)
    scan_status = models.CharField(max_length=20, choices=ScanStatus.choices, default=ScanStatus.PENDING)
    scan_signature = models.CharField(max_length=200, blank=True)
    text_status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    ocr_status = models.CharField(max_length=20, choices=OcrStatus.choices, default=OcrStatus.PENDING)
    thumbnail_status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    processing_attempts = models.PositiveIntegerField(default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    processing_error = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)

    # set by the reconciler when the object behind a verified/available version is gone
    object_missing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("资料版本")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_version_number_unique"),
        ]
        indexes = [
            models.Index(fields=["upload_state", "state_changed_at"], name="documents_version_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"

    @property
    def is_available(self) -> bool:
        return self.upload_state == UploadState.AVAILABLE


class DownloadRecord(models.Model):
    """Every download link handed out: who, when, which version (R6: every query recorded)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="downloads")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="downloads", db_index=False)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey("integrations.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("下载记录")
        indexes = [models.Index(fields=["document", "-at"], name="documents_download_doc_idx")]
