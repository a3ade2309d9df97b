"""The customer file (客户档案): one per customer, with its contacts."""
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .categories import CustomerKind


class CustomerState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已审核")
    FILED = "filed", _("已归档保管")
    ARCHIVED = "archived", _("已封存（不活跃）")


def fetch_related_objects(instances: list, names) -> None:
    """Fill the caches of the foreign keys `names` on `instances` with one query per related
    table, as select_related would have (None where the key is null)."""
    groups: dict = {}
    for name in names:
        field = instances[0]._meta.get_field(name)
        groups.setdefault((field.related_model, field.target_field), []).append(field)
    for (model, target), fields in groups.items():
        wanted = {getattr(instance, field.attname) for instance in instances for field in fields} - {None}
        found = {getattr(row, target.attname): row
                 for row in model._base_manager.filter(**{f"{target.name}__in": wanted})} if wanted else {}
        for instance in instances:
            for field in fields:
                value = getattr(instance, field.attname)
                field.set_cached_value(instance, None if value is None else found.get(value))


class CustomerQuerySet(models.QuerySet):
    """`fetch_related(*foreign keys)` is select_related without the join: once the files are
    read, each related table is read with one `WHERE id IN (…)` query.

    PostgreSQL's planning time grows exponentially with the number of joined tables (it weighs
    every join order and every parameterized path through the customer table's many indexes):
    the customer list took 0.15 ms to plan with 3 tables, 0.35 / 0.9 / 3.1 ms with 4 / 5 / 6 and
    ~10 ms with all 7, for 0.3 ms of execution (bench/archives.py). Join a few, fetch the rest.
    """

    _fetched_related: tuple[str, ...] = ()

    def fetch_related(self, *names: str) -> "CustomerQuerySet":
        clone = self._chain()
        clone._fetched_related = (*self._fetched_related, *names)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._fetched_related = self._fetched_related
        return clone

    def _fetch_all(self):
        pending = self._result_cache is None
        super()._fetch_all()
        if pending and self._fetched_related and self._result_cache and isinstance(self._result_cache[0], Customer):
            fetch_related_objects(self._result_cache, self._fetched_related)


class Customer(models.Model):
    Kind = CustomerKind  # one choice set for files and their categories' defaults

    class CompanySize(models.TextChoices):
        MICRO = "micro", _("微型")
        SMALL = "small", _("小型")
        MEDIUM = "medium", _("中型")
        LARGE = "large", _("大型")

    # --- identity and classification (R1, R4) ---
    archive_number = models.CharField(_("档案编号"), max_length=80, unique=True)
    name = models.CharField(_("客户名称"), max_length=200)
    kind = models.CharField(_("客户类型"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    # db_index=False on the keys that lead one of Meta.indexes (category, industry, region,
    # grade, department, owner): Django's own index on each would only duplicate it, and every
    # imported file paid for maintaining both.
    category = models.ForeignKey("archives.ArchiveCategory", on_delete=models.PROTECT, related_name="customers",
                                 verbose_name=_("档案类别"), db_index=False)
    industry = models.ForeignKey("archives.ClassificationTerm", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("所属行业"), db_index=False)
    region = models.ForeignKey("archives.ClassificationTerm", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("地区"), db_index=False)
    customer_type = models.ForeignKey("archives.ClassificationTerm", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+", verbose_name=_("客户性质"))
    cooperation_project = models.ForeignKey("archives.ClassificationTerm", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+", verbose_name=_("合作项目"))
    grade = models.ForeignKey("archives.ClassificationTerm", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("客户等级"), db_index=False)
    department = models.ForeignKey("archives.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="customers", verbose_name=_("部门"), db_index=False)
    volume = models.ForeignKey("archives.ArchiveVolume", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="customers", verbose_name=_("档案夹/册"))
    is_key_customer = models.BooleanField(_("重点客户"), default=False)

    # --- basic information ---
    address = models.CharField(_("地址"), max_length=300, blank=True)
    company_size = models.CharField(_("公司规模"), max_length=20, choices=CompanySize.choices, blank=True)
    legal_representative = models.CharField(_("法人代表/负责人"), max_length=100, blank=True)
    trading_since = models.DateField(_("与本公司交易时间"), null=True, blank=True)
    assets = models.CharField(_("资产情况"), max_length=200, blank=True)

    # --- characteristics and business status ---
    service_area = models.CharField(_("服务区域"), max_length=200, blank=True)
    sales_capacity = models.CharField(_("销售能力"), max_length=200, blank=True)
    development_potential = models.CharField(_("发展潜力"), max_length=200, blank=True)
    business_policy = models.TextField(_("经营方针"), blank=True)
    sales_performance = models.TextField(_("销售业绩"), blank=True)
    cooperation_attitude = models.CharField(_("合作态度"), max_length=200, blank=True)
    competitor_relations = models.TextField(_("与竞争对手关系"), blank=True)

    # --- transaction status ---
    credit_status = models.CharField(_("信用状况"), max_length=200, blank=True)
    trade_terms = models.TextField(_("交易条件"), blank=True)
    past_credit_problems = models.TextField(_("以往信用问题"), blank=True)

    # --- tenant-defined fields of the category, validated by archives/custom_fields.py ---
    custom_fields = models.JSONField(_("自定义字段"), default=dict, blank=True)

    # --- people and life cycle (R3) ---
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="owned_customers",
                              verbose_name=_("负责人（业务员）"), db_index=False)
    custodian = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="kept_customers", verbose_name=_("保管人"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("建档人"))
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    state = models.CharField(_("状态"), max_length=20, choices=CustomerState.choices, default=CustomerState.DRAFT)
    first_contact_on = models.DateField(_("首次接触/购买日期"), null=True, blank=True)
    creation_due_on = models.DateField(_("建档截止日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    approved_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("归档人"))
    filed_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("退回原因"), blank=True)
    last_reviewed_on = models.DateField(_("最近更新核对日期"), null=True, blank=True)
    next_review_on = models.DateField(_("下次更新期限"), null=True, blank=True)
    review_overdue = models.BooleanField(_("更新逾期"), default=False)
    last_activity_on = models.DateField(_("最近业务往来"), null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # --- retention (R7), computed by governance.services.retention, never set by clients ---
    retain_until = models.DateField(_("保管期限至"), null=True, blank=True)
    retention_rule = models.ForeignKey("governance.RetentionRule", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("保管期限规则"))
    # which component of the rule gave the date: {"component": "shelf_life", "from": "2027-03-01", …}
    retention_basis = models.JSONField(default=dict, blank=True)
    # --- confidentiality (密级), set only by governance.services.confidentiality; empty: unclassified ---
    confidentiality = models.ForeignKey("governance.ConfidentialityLevel", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", verbose_name=_("密级"),
                                        db_index=False)  # only ever read through the row; spares imports an index

    # --- concurrency and search ---
    version = models.PositiveIntegerField(default=1)
    name_pinyin = models.CharField(max_length=600, blank=True, db_index=False)
    name_initials = models.CharField(max_length=200, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户档案")
        verbose_name_plural = _("客户档案")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="archives_cust_created_idx"),
            models.Index(fields=["state", "-created_at", "-id"], name="archives_cust_state_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="archives_cust_owner_idx"),
            models.Index(fields=["department", "-created_at", "-id"], name="archives_cust_dept_idx"),
            models.Index(fields=["category", "-created_at", "-id"], name="archives_cust_cat_idx"),
            models.Index(fields=["grade"], name="archives_cust_grade_idx"),
            models.Index(fields=["region"], name="archives_cust_region_idx"),
            models.Index(fields=["industry"], name="archives_cust_industry_idx"),
            models.Index(fields=["next_review_on"], name="archives_cust_review_idx"),
            models.Index(Lower("name_initials"), name="archives_cust_initials_idx"),
            GinIndex(fields=["search_vector"], name="archives_cust_search_idx"),
            # Classified files (密级) are few: a partial index finds them for the viewing rule's
            # subquery, and costs an unclassified insert (an import) nothing.
            models.Index(fields=["confidentiality"], condition=models.Q(confidentiality__isnull=False),
                         name="archives_cust_conf_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.archive_number} {self.name}"

    # small yes/no rules; the services enforce who may do them
    def can_submit(self) -> bool:
        return self.state in (CustomerState.DRAFT, CustomerState.RETURNED)

    def can_review(self) -> bool:
        return self.state == CustomerState.SUBMITTED

    def can_file(self) -> bool:
        return self.state == CustomerState.APPROVED

    @property
    def is_filed(self) -> bool:
        return self.state in (CustomerState.FILED, CustomerState.ARCHIVED)


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["customer", "-is_primary", "sort", "pk"]
        verbose_name = _("联系人")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True),
                                    name="archives_contact_one_primary"),
        ]
        indexes = [models.Index(fields=["phone"], name="archives_contact_phone_idx")]

    def __str__(self) -> str:
        return self.name
