"""The company's document storage in use, kept as a counter (not summed per upload)."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StorageUsage(models.Model):
    """One row: bytes held by versions that are on their way in or kept (pending uploads reserve
    their declared size), of documents not deleted. Changed only in the transaction that changes
    what it counts, by a conditional UPDATE (documents/services/quota.py), so parallel uploads
    cannot together pass the plan's quota; the reconciler recounts it from the rows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    used_bytes = models.BigIntegerField(_("已用字节"), default=0)
    counted_at = models.DateTimeField(null=True, blank=True)  # the last recount from the rows

    class Meta:
        verbose_name = _("存储用量")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="documents_storage_usage_one_row")]
