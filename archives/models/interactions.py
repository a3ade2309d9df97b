"""What happens with a customer over time: communications, service, complaints, surveys."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunicationRecord(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("拜访")
        MEETING = "meeting", _("会议")
        EMAIL = "email", _("邮件")
        MESSAGE = "message", _("即时消息")
        OTHER = "other", _("其他")

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="communications")
    occurred_at = models.DateTimeField(_("时间"))
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    summary = models.TextField(_("内容摘要"))
    next_step = models.CharField(_("后续安排"), max_length=300, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("沟通记录")


class ServiceRecord(models.Model):
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="service_records")
    served_on = models.DateField(_("服务日期"))
    kind = models.CharField(_("服务类型"), max_length=60)
    description = models.TextField(_("服务内容"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("服务记录")


class Complaint(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("已受理")
        HANDLING = "handling", _("处理中")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")

    # allowed transitions: received → handling → resolved → closed (and resolved → handling if reopened)
    TRANSITIONS = {
        State.RECEIVED: {State.HANDLING},
        State.HANDLING: {State.RESOLVED},
        State.RESOLVED: {State.CLOSED, State.HANDLING},
        State.CLOSED: set(),
    }

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="complaints")
    received_at = models.DateTimeField(_("受理时间"))
    subject = models.CharField(_("投诉事项"), max_length=200)
    description = models.TextField(_("投诉内容"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.RECEIVED)
    handler = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("投诉")
        indexes = [models.Index(fields=["state"], name="archives_complaint_state_idx")]


class SatisfactionSurvey(models.Model):
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="surveys")
    surveyed_on = models.DateField(_("调查日期"))
    score = models.PositiveSmallIntegerField(_("满意度（1–5）"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("意见"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-surveyed_on", "-id"]
        verbose_name = _("满意度调查")
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                              name="archives_survey_score_range")]
