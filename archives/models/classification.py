"""Tenant-defined vocabularies: industry, region, customer type, cooperation project, grade;
and the department tree. A customer's values are validated against them on every write."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassificationScheme(models.Model):
    """One vocabulary. The five codes below are wired to customer fields; tenants rename them,
    edit their terms, and may add more schemes for custom single-choice use."""

    INDUSTRY = "industry"
    REGION = "region"
    CUSTOMER_TYPE = "customer_type"
    COOPERATION_PROJECT = "cooperation_project"
    GRADE = "grade"
    BUILT_IN = (INDUSTRY, REGION, CUSTOMER_TYPE, COOPERATION_PROJECT, GRADE)

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "pk"]
        verbose_name = _("分类方案")

    def __str__(self) -> str:
        return self.name


class ClassificationTerm(models.Model):
    scheme = models.ForeignKey(ClassificationScheme, on_delete=models.CASCADE, related_name="terms", db_index=False)
    code = models.CharField(_("代码"), max_length=50)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["scheme", "sort", "pk"]
        verbose_name = _("分类项")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="archives_term_code_unique")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """The company's department tree (销售一部…四部, 供销科, 办公室 …)."""

    code = models.CharField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    manager = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="managed_departments")
    members = models.ManyToManyField("accounts.User", blank=True, related_name="departments")
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "pk"]
        verbose_name = _("部门")

    def __str__(self) -> str:
        return self.name
