"""Where paper originals live (R4): room → cabinet → shelf → box / archive bag (档案袋)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PhysicalLocation(models.Model):
    class Kind(models.TextChoices):
        ROOM = "room", _("档案室")
        CABINET = "cabinet", _("档案柜")
        SHELF = "shelf", _("层/格")
        BOX = "box", _("档案盒")
        BAG = "bag", _("档案袋")

    # Which kinds may sit directly under which: a bag may also go straight onto a shelf.
    ALLOWED_PARENTS = {
        Kind.ROOM: (None,),
        Kind.CABINET: (Kind.ROOM,),
        Kind.SHELF: (Kind.CABINET,),
        Kind.BOX: (Kind.SHELF,),
        Kind.BAG: (Kind.SHELF, Kind.BOX),
    }

    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("编号"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("实体存放位置")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def path(self) -> list["PhysicalLocation"]:
        """From the room down to this location (the tree is a few levels deep)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class CustomerPaperLocation(models.Model):
    """Where a customer file's paper lives (usually its archive bag)."""

    customer = models.OneToOneField("archives.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="paper_location")
    location = models.ForeignKey(PhysicalLocation, on_delete=models.PROTECT, related_name="customer_files")
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("档案实体位置")
