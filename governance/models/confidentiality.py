"""Confidentiality (密级): the company's catalogue of levels, its policy, access requests
(查阅申请) and the time-boxed access grants they — or an electronic loan — create.

A customer file and each of its documents may carry a level (Customer.confidentiality,
Document.confidentiality; empty: unclassified); users carry a clearance (User.clearance, the
code of a level: accounts is also a public-schema app, so it cannot hold a key into this
tenant-only table). The viewing rule lives in governance/selectors.py."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ConfidentialityLevel(models.Model):
    """One level of the catalogue (defaults 公开 / 内部 / 秘密 / 机密). The code is stable (users'
    clearances name it); the company may rename a level and re-rank it. `requires_approval`
    marks the classified levels (秘密 and above): viewing them needs an approved request."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    rank = models.PositiveSmallIntegerField(_("级别"), unique=True, help_text="higher is more secret")
    requires_approval = models.BooleanField(_("查阅需审批"), default=False)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("密级")

    def __str__(self) -> str:
        return self.name


class ConfidentialityPolicy(models.Model):
    """The company's rules (one row): who approves access requests (default 副总经理 and
    above, per the policy "须经本部门主管副经理以上领导批准") and the longest grant."""

    approver_roles = models.JSONField(_("审批角色"), default=list)
    max_grant_days = models.PositiveSmallIntegerField(_("最长查阅期限（天）"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("密级管理规则")


class AccessRequest(models.Model):
    """A member of the owning department asks to view a classified file (or one document of it)
    for a reason and a number of days; an approver (never the requester) decides."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="access_requests")
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="access_requests")
    requester = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", db_index=False)
    requester_snapshot = models.JSONField()
    reason = models.TextField(_("查阅原因"))
    days = models.PositiveSmallIntegerField(_("查阅天数"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # approver as they were: name, roles, departments (history survives staff leaving)
    decided_by_snapshot = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    grant = models.OneToOneField("governance.AccessGrant", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="request")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("查阅申请")
        indexes = [models.Index(fields=["state", "-created_at"], name="gov_accreq_state_idx"),
                   models.Index(fields=["requester", "-created_at"], name="gov_accreq_requester_idx")]


class AccessGrant(models.Model):
    """Time-limited permission for one user to view a classified file (document empty) or one
    document. Made by an approved access request, or by an electronic loan (source "borrowing");
    live while now < until and not revoked."""

    class Source(models.TextChoices):
        REQUEST = "request", _("查阅申请")
        BORROWING = "borrowing", _("借阅")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="access_grants")
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="access_grants")
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="access_grants")
    reason = models.TextField(_("原因"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    source_id = models.CharField(max_length=64, blank=True)
    granted_by = models.JSONField(_("批准人"))  # actor snapshot
    starts_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.JSONField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("查阅授权")
        indexes = [models.Index(fields=["user", "customer"], condition=Q(revoked_at__isnull=True),
                                name="gov_grant_live_idx")]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
