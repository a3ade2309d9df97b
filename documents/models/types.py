"""Document types (身份证复印件, 合同, 发票 …): the tenant's own vocabulary, seeded at signup."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class OriginalOrCopy(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")


class DocumentType(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    # What a new document of this type usually is; each document says what it really is.
    default_original_or_copy = models.CharField(_("默认原件/复印件"), max_length=10, choices=OriginalOrCopy.choices,
                                                default=OriginalOrCopy.COPY)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "pk"]
        verbose_name = _("资料类型")

    def __str__(self) -> str:
        return self.name
