"""Required-document checklists (存档资料清单, R5): per archive category, lists of items a file
must hold; each customer file's completeness is kept current from them."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from .types import OriginalOrCopy


class Checklist(models.Model):
    """One list of a category (认购存档, 签约存档 …). `condition` limits it to some files of the
    category, e.g. {"field": "contract_no", "op": "set"}: only once a contract is signed."""

    category = models.ForeignKey("archives.ArchiveCategory", on_delete=models.CASCADE, related_name="checklists")
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    condition = models.JSONField(_("适用条件"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "sort", "pk"]
        verbose_name = _("存档资料清单")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """A document the file must hold: type, copies, original or copy, and optionally a
    condition on the customer's custom fields ({"field": "marital_status", "op": "eq",
    "value": "已婚"}). Items that are not `required` count towards completeness but do not
    stop filing (advice such as 暂住证, which only some buyers have)."""

    class Form(models.TextChoices):
        ORIGINAL = OriginalOrCopy.ORIGINAL.value, OriginalOrCopy.ORIGINAL.label
        COPY = OriginalOrCopy.COPY.value, OriginalOrCopy.COPY.label
        EITHER = "either", _("原件或复印件")

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    document_type = models.ForeignKey("documents.DocumentType", on_delete=models.PROTECT, related_name="+")
    copies = models.PositiveIntegerField(_("份数"), default=1)
    original_or_copy = models.CharField(_("原件/复印件"), max_length=10, choices=Form.choices, default=Form.COPY)
    required = models.BooleanField(_("必备"), default=True)
    condition = models.JSONField(_("适用条件"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checklist", "sort", "pk"]
        verbose_name = _("清单项")

    def __str__(self) -> str:
        return f"{self.document_type.name} ×{self.copies}"


class CustomerCompleteness(models.Model):
    """The last computed completeness of a file, for lists and dashboards; the filing check
    always recomputes."""

    customer = models.OneToOneField("archives.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="document_completeness")
    percent = models.PositiveSmallIntegerField(default=100)
    required_missing = models.PositiveIntegerField(default=0)
    missing = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("资料完整度")
        indexes = [models.Index(fields=["percent"], name="documents_completeness_idx")]
