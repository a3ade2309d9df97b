"""The query log (查询记录, R6): every view, search, export, download and reveal of customer
data — who, when, what, and why for sensitive actions."""
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..triggers import ProtectRows, ProtectTruncate


class AccessRecord(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("查看档案")
        LIST = "list", _("列表/检索")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")
        REVEAL = "reveal", _("查看敏感信息")
        TRACE = "trace", _("追溯查询")
        PREVIEW = "preview", _("预览")
        ACCESS_LOG_EXPORT = "access_log_export", _("导出查询记录")

    # Sensitive actions must say why (R6: "and why"); views and searches are everyday work.
    REASON_REQUIRED = (Action.REVEAL,)

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # A snapshot as well as the key: the register keeps its meaning when people leave.
    # No database constraint: an append-only row can never be updated to follow a deleted user.
    user = models.ForeignKey("accounts.User", on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                             related_name="+", db_index=False)
    user_name = models.CharField(_("查询人"), max_length=100)
    user_email = models.CharField(max_length=254)
    roles = models.JSONField(default=list)
    via_api_key = models.CharField(max_length=20, blank=True, help_text="prefix of the API key used, if any")
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Plain ids, not foreign keys: the register outlives the files it mentions.
    customer_ids = models.JSONField(_("涉及档案"), default=list)
    query = models.JSONField(_("查询条件"), default=dict)
    result_count = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("查询记录")
        indexes = [models.Index(fields=["user", "-at"], name="gov_access_user_idx"),
                   models.Index(fields=["action", "-at"], name="gov_access_action_idx")]
        triggers = [
            ProtectRows(name="access_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            ProtectTruncate(name="access_no_truncate"),
        ]
