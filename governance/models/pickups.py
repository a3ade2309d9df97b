"""The contract pick-up register (合同领取登记表, R6): a customer takes a contract original or a
copy from the archive and signs for it (制度: "客户领取合同原件（或复印件）必须在合同领取登记表上
登记，并签字确认").

The signature is either a captured image (kept in object storage under the company's prefix)
or the customer's typed name and ID number, checked against the ID number recorded in the file.
Only a masked form of a typed ID number is kept: the file already holds the number itself.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractPickup(models.Model):
    class Taken(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")

    class SignatureMethod(models.TextChoices):
        IMAGE = "image", _("签字图像")
        TYPED = "typed", _("姓名+身份证号核验")

    # The register belongs to the file: destroying the file (R7) removes its pick-ups too.
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="contract_pickups",
                                 verbose_name=_("客户档案"), db_index=False)
    taken = models.CharField(_("领取内容"), max_length=10, choices=Taken.choices)
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="pickups",
                                       verbose_name=_("领取资料"))
    description = models.CharField(_("资料说明"), max_length=300, blank=True,
                                   help_text="what was taken, in words (e.g. 合同原件 2 份)")
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    picked_up_at = models.DateTimeField(_("领取时间"))
    signer_name = models.CharField(_("领取人"), max_length=100)
    signature_method = models.CharField(_("签字方式"), max_length=10, choices=SignatureMethod.choices)
    # image: tenant-relative object key (documents/storage.py adds the company prefix)
    signature_key = models.CharField(max_length=300, blank=True)
    signature_sha256 = models.CharField(max_length=64, blank=True)
    signature_content_type = models.CharField(max_length=50, blank=True)
    signature_size = models.PositiveIntegerField(null=True, blank=True)
    # typed: which ID field of the file it matched, and the number masked (110101********002X)
    signer_id_masked = models.CharField(_("证件号"), max_length=30, blank=True)
    signer_id_field = models.CharField(max_length=50, blank=True)
    handled_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("经办人"))
    handled_by_snapshot = models.JSONField()
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-picked_up_at", "-id"]
        verbose_name = _("合同领取登记")
        indexes = [models.Index(fields=["customer", "-picked_up_at"], name="gov_pickup_customer_idx"),
                   models.Index(fields=["-picked_up_at", "-id"], name="gov_pickup_time_idx")]

    def __str__(self) -> str:
        return f"pickup {self.pk}"
