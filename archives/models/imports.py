"""Bulk import jobs (customer lists and sales ledgers from .xlsx / .csv) and export records (R10, R11)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded file on its way in: pending → validating → validated → applying → done
    (or failed). The counters describe the phase in progress or last finished; during the apply
    phase they are committed together with each chunk of rows, so a restarted task resumes
    after the last committed chunk instead of importing rows twice."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("客户档案")
        LEDGER = "ledger", _("销售台帐")

    class State(models.TextChoices):
        PENDING = "pending", _("待设置对应关系")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("已校验")
        APPLYING = "applying", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("导入类型"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    phase = models.CharField(max_length=10, default="validate")  # validate / apply: what the counters describe
    file_name = models.CharField(_("文件名"), max_length=255)
    file_key = models.CharField(max_length=400, blank=True)  # object key inside the tenant's prefix
    file_format = models.CharField(max_length=10)  # xlsx / csv
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)  # csv only: utf-8-sig or gb18030
    sheet_name = models.CharField(max_length=100, blank=True)
    header_row = models.PositiveIntegerField(default=1)  # 1-based row of the headers in the file
    headers = models.JSONField(default=list)
    # {"<header in the file>": "<target field>" | null}; proposed at upload, confirmed by the user
    mapping = models.JSONField(default=dict)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    ok_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    change_request_rows = models.PositiveIntegerField(default=0)
    # Position in the file (data rows, 1-based) up to which rows were processed: the resume point.
    position = models.PositiveIntegerField(default=0)
    error_report_key = models.CharField(max_length=400, blank=True)
    failure = models.JSONField(null=True, blank=True)  # {"code", "message": {"zh-hans", "en"}}
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("导入人"), db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入任务")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="archives_import_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def percentage(self) -> int:
        if self.state in (self.State.VALIDATED, self.State.DONE):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))


class ImportRowError(models.Model):
    """One problem of one row, kept per phase so the report survives a restarted task."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors", db_index=False)
    phase = models.CharField(max_length=10)  # validate / apply
    row_number = models.PositiveIntegerField()  # as the user sees it in the spreadsheet
    column = models.CharField(max_length=255, blank=True)
    value = models.TextField(blank=True)
    code = models.CharField(max_length=60)
    message_zh = models.TextField()
    message_en = models.TextField()

    class Meta:
        ordering = ["job", "phase", "row_number", "id"]
        indexes = [models.Index(fields=["job", "phase", "row_number"], name="archives_import_err_idx")]


class ExportRecord(models.Model):
    """Every export (R10: exports are permission-checked and logged): who, when, what, how many."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(max_length=20, default="customers")
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    filters = models.JSONField(_("筛选条件"), default=dict)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(_("导出行数"), default=0)
    file_name = models.CharField(max_length=255, blank=True)
    file_key = models.CharField(max_length=400, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    failure = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("导出人"), db_index=False)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导出记录")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="archives_export_user_idx")]

    @property
    def percentage(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))
