"""The models as of `migrations/0001_initial` (the other packages only differ in detail)."""
from django.conf import settings
from django.db import models


class ProbeRecord(models.Model):
    title = models.CharField(max_length=200)
    code = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(db_index=True)
    tags = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["title", "-created_at"], name="probe_title_created_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="probe_amount_non_negative"),
            models.UniqueConstraint(fields=["owner", "title"], condition=models.Q(owner__isnull=False),
                                    name="probe_owner_title_uniq"),
        ]


class ProbeNote(models.Model):
    record = models.ForeignKey(ProbeRecord, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField()
