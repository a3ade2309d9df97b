"""API infrastructure data, in each company's schema: API keys and idempotency records.

Both live in the tenant schema on purpose: a key of company A does not exist in company B's
schema, so it cannot authenticate there, and idempotency records can never replay one
company's response to another.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .concurrency import Versioned


class ApiKey(Versioned):
    """A per-company API key. Only the SHA-256 of the full key is stored: the plaintext is shown
    once, at creation. Plain SHA-256 (not a slow password hash) is enough because the secret is
    256 random bits, not a guessable password, and it keeps authentication to one index lookup."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("write")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REVOKED = "revoked", _("revoked")
        EXPIRED = "expired", _("expired")

    name = models.CharField(_("name"), max_length=100)
    # Public, unique, shown in lists so people can tell keys apart; also the lookup handle.
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(_("SHA-256 of the key"), max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=10, choices=Scope.choices), verbose_name=_("scopes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def has_scope(self, scope: str) -> bool:
        # Write implies read: a key that may change data may also look at it.
        return scope in self.scopes or (scope == self.Scope.READ and self.Scope.WRITE in self.scopes)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.is_expired():
            return self.Status.EXPIRED
        return self.Status.ACTIVE


class IdempotencyRecord(models.Model):
    """The stored outcome of a successful write sent with an `Idempotency-Key` header; a retry
    with the same key gets this response back instead of running the write again."""

    identity = models.CharField(max_length=64, help_text="who sent it: 'user:<id>' or 'api_key:<id>'")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.TextField()
    request_sha256 = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            # Keys are the client's namespace: two clients may both send "retry-1".
            models.UniqueConstraint(fields=["identity", "key"], name="integrations_idempotency_identity_key"),
        ]
