"""Archive categories (经销商, 医院, 购房客户 …) and their custom field definitions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个人")
    ENTERPRISE = "enterprise", _("企业")


class ArchiveCategory(models.Model):
    code = models.SlugField(_("代码"), max_length=30, unique=True,
                            help_text=_("用于档案编号，如 JXS"))
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    # e.g. "{category}-{region}-{yyyy}-{seq:05}"; see archives/numbering.py for the tokens.
    numbering_pattern = models.CharField(_("编号规则"), max_length=120, default="{category}-{yyyy}-{seq:05}")
    # Days between reviews of a file in this category; None = no cadence from the category.
    review_interval_days = models.PositiveIntegerField(_("更新周期（天）"), null=True, blank=True)
    # What a new file of the category is unless told otherwise (个人客户, 购房客户, 车主 are
    # people): the web form starts there, and the API and imports use it when `kind` is absent.
    default_kind = models.CharField(_("默认客户类型"), max_length=20, choices=CustomerKind.choices,
                                    default=CustomerKind.ENTERPRISE)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "pk"]
        verbose_name = _("档案类别")

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("文本")
    LONG_TEXT = "long_text", _("长文本")
    NUMBER = "number", _("整数")
    DECIMAL = "decimal", _("小数")
    DATE = "date", _("日期")
    BOOLEAN = "boolean", _("是/否")
    CHOICE = "choice", _("单选")
    MULTI_CHOICE = "multi_choice", _("多选")
    PHONE = "phone", _("电话")
    CN_ID = "cn_id", _("身份证号")
    EMAIL = "email", _("电子邮箱")


class CustomFieldDefinition(models.Model):
    """A field a category's customers carry. `key` is immutable: renaming changes the label,
    so stored values follow; removing deactivates, so history keeps its meaning."""

    category = models.ForeignKey(ArchiveCategory, on_delete=models.CASCADE, related_name="fields", db_index=False)
    key = models.SlugField(_("键"), max_length=50)
    label = models.CharField(_("名称"), max_length=100)
    field_type = models.CharField(_("类型"), max_length=20, choices=CustomFieldType.choices)
    required = models.BooleanField(_("必填"), default=False)
    searchable = models.BooleanField(_("可搜索"), default=False)
    # For choice fields: [{"value": "...", "label": "..."}]
    choices = models.JSONField(_("选项"), default=list, blank=True)
    help_text = models.CharField(_("提示"), max_length=200, blank=True)
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "sort", "pk"]
        verbose_name = _("自定义字段")
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="archives_field_key_unique")]

    def __str__(self) -> str:
        return f"{self.category.name}.{self.label}"

    def choice_values(self) -> set[str]:
        return {str(choice["value"]) for choice in self.choices or []}
