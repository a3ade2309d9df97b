"""Sales ledger (销售台帐) with the shipment handover form (发货交接单) fields, and sales
vouchers (销售凭证) with their three copies. The ledger exists for traceability: from a
product, item number or batch to every customer who received it."""
from datetime import date
from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


# What a trace page reads of each delivery besides the batch index's keys (product batch, sale
# date, id): api/archives/serializers.TraceabilityRowOutput's columns, and the customer it joins.
# tests/api/archives/test_traceability_api.py holds the two together.
TRACE_ROW_COLUMNS = ("product_name", "item_number", "specification", "packaging", "quantity", "cartons",
                     "expiry_date", "voucher_number", "customer")


class SalesLedgerEntry(models.Model):
    class SalesType(models.TextChoices):
        DOMESTIC = "domestic", _("内销")
        EXPORT = "export", _("外销")

    # db_index=False where an index of Meta.indexes (or a unique constraint) leads with the
    # column: tests/platform/test_schema_indexes.py says why, and keeps it so.
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="ledger_entries",
                                 db_index=False)
    sale_date = models.DateField(_("销售日期"))
    buyer_name = models.CharField(_("购货者"), max_length=200, blank=True)
    buyer_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    voucher_number = models.CharField(_("凭证号"), max_length=60, blank=True)
    # shipment handover form (发货交接单)
    page = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    manufacturer = models.CharField(_("生产厂家"), max_length=200, blank=True)
    shipping_batch = models.PositiveIntegerField(_("发货批次"), null=True, blank=True)
    sales_department = models.CharField(_("销售部门"), max_length=60, blank=True)
    salesperson = models.CharField(_("业务员"), max_length=60, blank=True)
    sales_type = models.CharField(_("销售类型"), max_length=20, choices=SalesType.choices, default=SalesType.DOMESTIC)
    item_number = models.CharField(_("货号"), max_length=60, blank=True)
    product_name = models.CharField(_("品名"), max_length=200)
    packaging = models.CharField(_("包装"), max_length=60, blank=True)
    specification = models.CharField(_("规格"), max_length=100, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=3, default=0)
    cartons = models.PositiveIntegerField(_("箱数"), null=True, blank=True)
    product_batch = models.CharField(_("产品批号"), max_length=60, blank=True)
    shelf_life_months = models.PositiveIntegerField(_("保质期（月）"), null=True, blank=True)
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sale_date", "-id"]
        verbose_name = _("销售台帐")
        indexes = [
            models.Index(fields=["customer", "-sale_date", "-id"], name="archives_ledger_cust_idx"),
            # Traceability pages (newest deliveries first) of a batch or an item number read
            # these in order and stop at the page's end: at 5 M rows an item number sold for
            # years has tens of thousands of deliveries, which a plain index would fetch and
            # sort for every page.
            # A recall (召回) traces a batch: the index also carries what a trace page shows of
            # each delivery, so the page is read from a few index pages (an index-only scan)
            # instead of one heap page per delivery — a batch's deliveries lie scattered over the
            # whole table. Measured on 5 M bench rows: ~100 fewer buffers a page, the page's
            # query 2.5 ms instead of 5.9 with the heap in the OS cache. It is ~3× the size of
            # the plain index (700 against 237 MB there); item numbers keep a plain one.
            models.Index(fields=["product_batch", "-sale_date", "-id"], name="archives_ledger_batch_cov",
                         include=TRACE_ROW_COLUMNS),
            models.Index(fields=["item_number", "-sale_date", "-id"], name="archives_ledger_item_idx"),
            # Traceability by part of a product name (product_name__icontains, i.e.
            # UPPER(product_name) LIKE UPPER('%…%')): trigrams of the same expression. Without
            # it a product trace read all 5 M bench rows (~2.6 s a page); pg_trgm is installed
            # in public by tenants 0004.
            GinIndex(OpClass(Upper("product_name"), name="gin_trgm_ops"), name="archives_ledger_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sale_date} {self.product_name}"

    def clean(self) -> None:
        # Every write (API, web form, import) validates through full_clean: a delivery of a
        # negative quantity, or goods that expired before they were sold, would mislead a
        # recall (traceability) and the file's retention, which the expiry date extends.
        # full_clean calls this after clean_fields even when a field failed there, with the raw
        # value still in place: only values of the field's own type are compared.
        problems = {}
        if isinstance(self.quantity, (int, Decimal)) and self.quantity < 0:
            problems["quantity"] = ValidationError(_("数量不能为负数。"), code="min_value")
        if (isinstance(self.expiry_date, date) and isinstance(self.sale_date, date)
                and self.expiry_date < self.sale_date):
            problems["expiry_date"] = ValidationError(_("有效期不能早于销售日期。"), code="before_sale_date")
        if problems:
            raise ValidationError(problems)


class SalesVoucher(models.Model):
    customer = models.ForeignKey("archives.Customer", on_delete=models.CASCADE, related_name="vouchers")
    ledger_entry = models.ForeignKey(SalesLedgerEntry, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="vouchers")
    number = models.CharField(_("凭证号"), max_length=60)
    issued_on = models.DateField(_("开具日期"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("销售凭证")
        constraints = [models.UniqueConstraint(fields=["number"], name="archives_voucher_number_unique")]

    def __str__(self) -> str:
        return self.number


class VoucherCopy(models.Model):
    """One of the three copies every sales voucher must have."""

    class Kind(models.TextChoices):
        STUB = "stub", _("存根联")
        INVOICE = "invoice", _("发票联")
        GOODS = "goods", _("随货同行联")

    voucher = models.ForeignKey(SalesVoucher, on_delete=models.CASCADE, related_name="copies", db_index=False)
    kind = models.CharField(_("联次"), max_length=20, choices=Kind.choices)
    received = models.BooleanField(_("已收回/存档"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["voucher", "kind"]
        constraints = [models.UniqueConstraint(fields=["voucher", "kind"], name="archives_voucher_copy_unique")]
