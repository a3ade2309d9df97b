from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchiveVolume(models.Model):
    """A folder (档案夹) or bound volume (档案册) of the archive register (档案登记簿)."""

    class Kind(models.TextChoices):
        FOLDER = "folder", _("档案夹")
        VOLUME = "volume", _("档案册")

    code = models.CharField(_("编号"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.FOLDER)
    category = models.ForeignKey("archives.ArchiveCategory", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="volumes")
    year = models.PositiveIntegerField(_("年度"), null=True, blank=True)
    location = models.CharField(_("存放位置"), max_length=200, blank=True)
    custodian = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("档案夹/册")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
