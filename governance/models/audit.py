"""The audit chain (R8): one append-only, hash-linked chain of events per company."""
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..triggers import ProtectRows, ProtectTruncate


class AuditEvent(models.Model):
    """One recorded action. `hash` is the SHA-256 of the canonical JSON of (seq, at, actor,
    action, object, summary, prev_hash); `prev_hash` is the previous event's hash (64 zeros for
    the first). Rows are never updated or deleted: the database refuses it (triggers below),
    and `governance.services.audit.verify_chain` notices anything done with the triggers off.

    The actor is a snapshot (id, name, e-mail, roles, departments at the time): history keeps
    its meaning after people leave or change roles. Summaries name objects and fields, never
    the values of a file, so that destroying a file leaves no personal data in the chain.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    actor = models.JSONField(_("操作人"))
    action = models.CharField(_("操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    summary = models.JSONField(_("摘要"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="gov_audit_object_idx"),
                   models.Index(fields=["action", "seq"], name="gov_audit_action_idx")]
        triggers = [
            ProtectRows(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            ProtectTruncate(name="no_truncate"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
