"""Retention and disposition (R7): rules per category, legal holds, disposition batches
(销毁清册) with a tenant-configured multi-level approval chain, and destruction records that
survive the files they describe."""
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..triggers import ProtectRows, ProtectTruncate


class RetentionRule(models.Model):
    """How long a category's files are kept (保管期限): the longest of the components that are
    set. Components counted from an event that has not happened yet (a relationship still
    going on, a contract without an end date) keep the file open-ended."""

    category = models.OneToOneField("archives.ArchiveCategory", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="retention_rule", help_text="empty: the company-wide default")
    name = models.CharField(_("名称"), max_length=100)
    # from filing (归档): e.g. 5 years
    fixed_years = models.PositiveSmallIntegerField(_("归档后保管（年）"), null=True, blank=True)
    # not less than the longest product shelf life in the file's sales ledger (+ N years)
    shelf_life = models.BooleanField(_("不少于产品有效期"), default=False)
    years_after_expiry = models.PositiveSmallIntegerField(_("有效期满后（年）"), default=0)
    # from events
    years_after_relationship_end = models.PositiveSmallIntegerField(_("合作终止（封存）后（年）"), null=True, blank=True)
    years_after_last_sale = models.PositiveSmallIntegerField(_("最后一次销售后（年）"), null=True, blank=True)
    contract_end_field = models.SlugField(_("合同终止日期字段"), max_length=50, blank=True,
                                          help_text="key of a date custom field of the category")
    years_after_contract_end = models.PositiveSmallIntegerField(_("合同终止后（年）"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("保管期限规则")
        constraints = [models.UniqueConstraint(fields=["category"], condition=models.Q(category__isnull=True),
                                               name="gov_retention_one_default"),
                       models.UniqueConstraint(fields=["name"], name="gov_retention_name_unique")]

    def __str__(self) -> str:
        return self.name


class LegalHold(models.Model):
    """A file that must not be destroyed (litigation, investigation, audit) until released."""

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.TextField(_("原因"))
    set_by = models.JSONField(_("设置人"))  # actor snapshot
    set_at = models.DateTimeField(auto_now_add=True)
    released_by = models.JSONField(_("解除人"), null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("法律保全")
        indexes = [models.Index(fields=["customer"], condition=models.Q(released_at__isnull=True),
                                name="gov_hold_active_idx")]

    @property
    def active(self) -> bool:
        return self.released_at is None


class DispositionStep(models.Model):
    """One level of the company's destruction approval chain (default: 主管 → 办公室 → 总经理)."""

    position = models.PositiveSmallIntegerField(unique=True)
    role = models.CharField(_("审批角色"), max_length=150)  # a role (Django group) name
    label = models.CharField(_("名称"), max_length=100, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("销毁审批步骤")


class DispositionBatch(models.Model):
    """A destruction list (销毁清册): draft → pending (approval step by step) → approved →
    destroying → destroyed; a rejection returns it to draft with the reason."""

    class Stage(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("审批中")
        APPROVED = "approved", _("已批准")
        DESTROYING = "destroying", _("销毁中")
        DESTROYED = "destroyed", _("已销毁")

    number = models.CharField(_("清册编号"), max_length=40, unique=True)
    stage = models.CharField(_("状态"), max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    created_by = models.JSONField(_("编制"))  # actor snapshot (the daily job is "system")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(default=0)  # submissions so far; approvals belong to one
    steps = models.JSONField(default=list)  # the chain as it was at submission: [{"role", "label"}]
    current_step = models.PositiveSmallIntegerField(default=0)
    returned_reason = models.TextField(_("退回原因"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("销毁清册")
        constraints = [models.UniqueConstraint(fields=["stage"], condition=models.Q(stage="draft"),
                                               name="gov_batch_one_draft")]

    def __str__(self) -> str:
        return self.number


class DispositionItem(models.Model):
    """A file on a destruction list. Kept after the file is gone (the customer key then empty)."""

    class Outcome(models.TextChoices):
        LISTED = "listed", _("待销毁")
        DESTROYED = "destroyed", _("已销毁")
        EXCLUDED = "excluded", _("已剔除")  # held, retention extended, or removed by hand

    batch = models.ForeignKey(DispositionBatch, on_delete=models.CASCADE, related_name="items", db_index=False)
    customer = models.ForeignKey("archives.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="disposition_items")
    archive_number = models.CharField(max_length=80)
    retain_until = models.DateField(null=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.LISTED)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "archive_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "customer"], name="gov_item_unique")]


class DispositionApproval(models.Model):
    """One decision on one step of one round. The approver is a snapshot — name, role held,
    departments — so the record survives staff leaving or changing roles."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        REJECT = "reject", _("退回")

    batch = models.ForeignKey(DispositionBatch, on_delete=models.PROTECT, related_name="approvals", db_index=False)
    round = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=150)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    approver = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approver_snapshot = models.JSONField()
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "round", "step"]
        # One decision per step and round: a replayed or racing second decision cannot land.
        constraints = [models.UniqueConstraint(fields=["batch", "round", "step"], name="gov_approval_once")]
        triggers = [ProtectRows(name="approval_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class DestructionRecord(models.Model):
    """What was destroyed, when, on whose approval and by whom (销毁记录). Survives the file;
    holds no content of it, only hashes (of its database rows and of its stored objects)."""

    batch = models.ForeignKey(DispositionBatch, on_delete=models.PROTECT, related_name="records")
    customer_pk = models.BigIntegerField()
    archive_number = models.CharField(_("档案编号"), max_length=80)
    category = models.JSONField()  # {"code", "name"}
    dates = models.JSONField()  # created, filed, archived, last activity, retain_until
    retention_rule = models.JSONField()  # the rule as it was
    content_sha256 = models.CharField(max_length=64)  # of the canonical JSON of the destroyed rows
    object_hashes = models.JSONField(default=list)  # [{"key", "sha256"}] of every deleted object
    approvals = models.JSONField()  # [{"step", "role", "approver": snapshot, "at"}]
    executor = models.JSONField()
    executed_at = models.DateTimeField()
    certificate_key = models.CharField(max_length=300)
    certificate_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-executed_at", "-id"]
        verbose_name = _("销毁记录")
        triggers = [ProtectRows(name="destruction_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
                    ProtectTruncate(name="destruction_no_truncate")]
