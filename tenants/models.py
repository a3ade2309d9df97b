"""The platform's own data, in the public schema: companies (tenants), their host names,
plans and quotas, usage, and the records platform staff leave behind."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    max_users = models.PositiveIntegerField(_("max users"))
    max_storage_mb = models.PositiveIntegerField(_("max storage (MB)"))
    max_api_calls_per_day = models.PositiveIntegerField(_("max API calls per day"))
    is_default = models.BooleanField(_("default for signup"), default=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="tenants_plan_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")

    name = models.CharField(_("company name"), max_length=200)
    slug = models.SlugField(_("subdomain"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tenants", verbose_name=_("plan"))
    admin_email = models.EmailField(_("administrator email"), unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspended_reason = models.CharField(_("suspension reason"), max_length=500, blank=True)

    # Schemas are made by our provisioning fast path (tenants/provisioning.py) and dropped by
    # the deletion service, never as a side effect of save()/delete().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class TenantUsage(models.Model):
    """Latest usage figures of a tenant, refreshed by a periodic per-tenant task."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="usage", primary_key=True)
    users = models.PositiveIntegerField(default=0)
    storage_bytes = models.BigIntegerField(default=0)
    object_count = models.PositiveIntegerField(default=0)
    api_calls_today = models.PositiveIntegerField(default=0)
    measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("usage")
        verbose_name_plural = _("usage")


class PlatformEvent(models.Model):
    """What platform staff did to tenants (suspend, resume, delete…). Survives the tenant."""

    class Action(models.TextChoices):
        SIGNUP = "signup", _("signed up")
        SUSPEND = "suspend", _("suspended")
        RESUME = "resume", _("resumed")
        DELETE = "delete", _("deleted")

    action = models.CharField(max_length=20, choices=Action.choices)
    tenant_slug = models.CharField(max_length=40)
    tenant_name = models.CharField(max_length=200)
    schema_name = models.CharField(max_length=63)
    actor = models.CharField(max_length=254, help_text="email of the acting user, or 'system'")
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["tenant_slug", "-at"])]


class SchemaTemplate(models.Model):
    """The pre-rendered DDL that new tenant schemas are made from (tenants/provisioning.py).

    Rendered from the migrated template schema after every `migrate_schemas` that changed it;
    `fingerprint` names the exact set of migrations it contains.
    """

    fingerprint = models.CharField(max_length=64)
    ddl = models.TextField()
    rendered_at = models.DateTimeField(auto_now=True)


class AuditCheckpoint(models.Model):
    """A company's audit-chain head (seq, hash) copied out of its schema at a moment in time.

    Kept in the public schema (and as an object in storage, governance/services/checkpoints.py)
    so that rewriting a company's chain from some event on, hashes recomputed, is still
    detected: the rewritten events no longer match the heads recorded here.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_checkpoints")
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "seq"]
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="tenants_auditcheckpoint_unique")]
