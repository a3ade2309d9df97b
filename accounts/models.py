"""Users. The same model serves two populations, kept apart by schema: platform staff in the
public schema, each company's staff in that company's schema."""
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("name"), max_length=100)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # 密级 clearance: the code of a governance.ConfidentialityLevel (a code, not a key: this table
    # lives in the public schema too, the catalogue only in company schemas). Set only through
    # governance.services.confidentiality.clearance_set; empty: no clearance.
    clearance = models.SlugField(_("clearance"), max_length=30, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


class SecuritySettings(models.Model):
    """The company's sign-in rules (one row in its schema; the public schema's row, never
    written, reads as the defaults)."""

    require_two_factor = models.BooleanField(_("require two-factor sign-in for administrators and approvers"),
                                             default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sign-in security settings")

    @classmethod
    def load(cls) -> "SecuritySettings":
        # A read never writes: a company that never changed its rules has no row yet.
        return cls.objects.filter(pk=1).first() or cls(pk=1)
