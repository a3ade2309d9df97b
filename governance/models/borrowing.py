"""The borrowing register (借阅登记, R6): a loan of a customer file or of one document, electronic
or as the paper original, from request through approval and lending to its return.

    requested ─approve→ approved ─lend→ lent ─(daily job, past due)→ overdue
        │                  │              └────────── return ───────────┘→ returned
        ├─reject→ rejected └─cancel→ cancelled
        └─cancel→ cancelled

The rules of each step live in governance/services/borrowing.py. People are kept twice, as a
key and as a snapshot (name, roles, departments at the time), so the register keeps its
meaning after staff leave or change roles; the file itself is kept as a key and its archive
number, so the register outlives a destroyed file without keeping any of its content.
"""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BorrowingPolicy(models.Model):
    """The company's borrowing rules (one row; absent: the defaults of services/borrowing.py)."""

    # Who approves an ordinary loan. Supervisors and department managers approve for the
    # people of the departments they lead (制度: "员工如需查阅档案资料，需经过部门领导同意");
    # the other roles listed approve company-wide.
    approver_roles = models.JSONField(_("审批角色"), default=list)
    max_days = models.PositiveSmallIntegerField(_("最长借阅期限（天）"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("借阅规则")


class Loan(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准待借出")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤销")
        LENT = "lent", _("借出中")
        OVERDUE = "overdue", _("已逾期")
        RETURNED = "returned", _("已归还")

    class Medium(models.TextChoices):
        ELECTRONIC = "electronic", _("电子查阅")
        PAPER = "paper", _("纸质原件")

    OPEN_STATES = (State.LENT, State.OVERDUE)  # the loan is out: paper off its shelf, access live

    number = models.CharField(_("借阅登记号"), max_length=30, unique=True, null=True, blank=True)
    customer = models.ForeignKey("archives.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="loans", verbose_name=_("客户档案"), db_index=False)
    archive_number = models.CharField(_("档案编号"), max_length=80)
    # empty: the whole file
    document = models.ForeignKey("documents.Document", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="loans", verbose_name=_("资料"))
    medium = models.CharField(_("借阅方式"), max_length=20, choices=Medium.choices)
    purpose = models.TextField(_("借阅用途"))
    due_date = models.DateField(_("应还日期"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.REQUESTED)

    borrower = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="loans",
                                 verbose_name=_("借阅人"), db_index=False)
    borrower_snapshot = models.JSONField()
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    approver = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("审批人"))
    # name, roles, departments and the role the decision was made in, as they were then
    approver_snapshot = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    lent_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("借出经办人"))
    lent_by_snapshot = models.JSONField(null=True, blank=True)
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    # paper: where the original was taken from (kept as a key and as its path at the time)
    location = models.ForeignKey("documents.PhysicalLocation", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="loans", verbose_name=_("原存放位置"))
    location_snapshot = models.JSONField(null=True, blank=True)
    # electronic: the time-boxed access made for the loan (governance/services/confidentiality.py)
    access_grant = models.ForeignKey("governance.AccessGrant", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="loans")

    returned_to = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("归还经办人"))
    returned_to_snapshot = models.JSONField(null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    return_note = models.TextField(_("归还备注"), blank=True)
    overdue_since = models.DateField(_("逾期起始日"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("借阅登记")
        indexes = [models.Index(fields=["state", "due_date"], name="gov_loan_state_due_idx"),
                   models.Index(fields=["borrower", "-requested_at"], name="gov_loan_borrower_idx"),
                   models.Index(fields=["customer", "-requested_at"], name="gov_loan_customer_idx")]
        constraints = [
            # One paper original is in one place: a document, or a whole file's bag, is lent to
            # one person at a time. The services check first and answer with a clear error;
            # these catch a race. The states are OR-ed, not `state__in`: PostgreSQL prints an IN
            # list over varchar differently once pg_dump output is replayed, and a provisioned
            # schema must match a migrated one to the letter (tests/tenants/test_provisioning.py).
            models.UniqueConstraint(fields=["document"], condition=Q(Q(state="lent") | Q(state="overdue"), medium="paper",
                                                                     document__isnull=False),
                                    name="gov_loan_one_paper_document"),
            models.UniqueConstraint(fields=["customer"], condition=Q(Q(state="lent") | Q(state="overdue"), medium="paper",
                                                                     document__isnull=True),
                                    name="gov_loan_one_paper_file"),
        ]

    def __str__(self) -> str:
        return self.number or f"loan {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_paper(self) -> bool:
        return self.medium == self.Medium.PAPER


class LoanReminder(models.Model):
    """One overdue reminder: an in-app notification and an e-mail to the borrower (and to the
    custodian who lent it). At most one per loan and day, so a re-run job sends nothing twice."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    sent_on = models.DateField(_("提醒日期"))
    days_overdue = models.PositiveIntegerField(_("逾期天数"))
    recipients = models.JSONField(default=list)  # [{"id", "name", "email"}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("逾期提醒")
        constraints = [models.UniqueConstraint(fields=["loan", "sent_on"], name="gov_loan_reminder_daily")]
