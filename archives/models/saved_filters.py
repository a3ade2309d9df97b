"""A person's saved customer-list filters (the web list's "保存筛选")."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """Named filters of selectors.customer_list, private to the person who saved them. Only the
    filters are kept, never results: opening one re-runs the list with today's visibility."""

    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="saved_filters", db_index=False)
    name = models.CharField(_("名称"), max_length=60)
    filters = models.JSONField(_("筛选条件"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("保存的筛选")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="archives_saved_filter_name_unique")]

    def __str__(self) -> str:
        return self.name
