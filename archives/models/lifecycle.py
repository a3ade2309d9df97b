"""Life-cycle records: settings, update cadences, change requests, history, notifications."""
from django.db import models
from django.utils.translation import gettext_lazy as _

# Important information (R3): changes to these on a filed file wait for a supervisor.
DEFAULT_IMPORTANT_FIELDS = ["name", "contacts", "phone", "address", "credit_status"]


class ArchiveSettings(models.Model):
    """The company's archive rules (one row)."""

    creation_deadline_days = models.PositiveIntegerField(_("建档期限（天）"), default=7)
    important_fields = models.JSONField(_("重要信息字段"), default=list)
    inactive_after_days = models.PositiveIntegerField(_("不活跃转封存（天）"), default=730)

    @classmethod
    def load(cls) -> "ArchiveSettings":
        settings, _ = cls.objects.get_or_create(pk=1, defaults={"important_fields": DEFAULT_IMPORTANT_FIELDS})
        return settings


class CadenceRule(models.Model):
    """How often files must be reviewed. The most specific matching rule wins:
    key-customer flag, then grade, then category (defaults: key customers monthly; key
    distributors, hospitals, pharmacies and retailers quarterly)."""

    name = models.CharField(_("名称"), max_length=100)
    is_key_customer = models.BooleanField(_("仅重点客户"), null=True, blank=True)
    grade = models.ForeignKey("archives.ClassificationTerm", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    category = models.ForeignKey("archives.ArchiveCategory", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="cadence_rules")
    interval_days = models.PositiveIntegerField(_("周期（天）"))

    class Meta:
        ordering = ["interval_days", "pk"]


class ChangeRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="change_requests")
    changes = models.JSONField(_("变更内容"))  # {"field": new value, "contacts": [...]}
    previous = models.JSONField(_("变更前"), default=dict)
    reason = models.TextField(_("变更原因"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("变更申请")
        indexes = [models.Index(fields=["state", "-requested_at"], name="archives_cr_state_idx")]


class CustomerChange(models.Model):
    """History: one row per changed field. Nobody edits a file silently."""

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="history", db_index=False)
    field = models.CharField(max_length=80)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    reason = models.TextField(blank=True)
    action = models.CharField(max_length=40, default="update")  # create / update / submit / approve …
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="archives_change_cust_idx")]


class Notification(models.Model):
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications",
                                  db_index=False)
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="archives_notif_unread_idx")]
