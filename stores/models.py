"""The tenant (Store), its grouping (Region), who may act on it (Membership), and the
credentials that act without a person (POS devices, API tokens)."""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone"), params={"value": value})


class Region(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StoreFormat(models.TextChoices):
    EXPRESS = "express", _("Express (small)")
    STANDARD = "standard", _("Standard")
    SUPERSTORE = "superstore", _("Superstore (large)")


class Store(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text=_("Short code used in URLs and by the POS"))
    name = models.CharField(max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stores")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    address = models.TextField(blank=True)
    format = models.CharField(max_length=16, choices=StoreFormat.choices, default=StoreFormat.STANDARD)
    size_sqm = models.PositiveIntegerField(default=1000)
    opened_on = models.DateField(null=True, blank=True)
    closes_at = models.TimeField(
        default=time(22, 0), help_text=_("Local closing time; the nightly run starts after it")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["region", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def business_day(self, moment=None):
        """The store's local calendar date for an aware datetime (now by default)."""
        return timezone.localtime(moment or timezone.now(), self.tzinfo).date()


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    STORE_MANAGER = "store_manager", _("Store manager")
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Admin")


class Scope(models.TextChoices):
    STORE = "store", _("One store")
    REGION = "region", _("One region")
    COMPANY = "company", _("Whole company")


class Membership(models.Model):
    """(user, scope, role). The scope decides which stores; the role what may be done there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=24, choices=Role.choices)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_scope_target",
                condition=(
                    Q(scope="store", store__isnull=False, region__isnull=True)
                    | Q(scope="region", store__isnull=True, region__isnull=False)
                    | Q(scope="company", store__isnull=True, region__isnull=True)
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "scope", "store", "region"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        target = self.store or self.region or _("company")
        return f"{self.user} · {self.get_role_display()} · {target}"

    def clean(self) -> None:
        if self.scope == Scope.STORE and not self.store_id:
            raise ValidationError({"store": _("Pick the store for a store-scoped membership.")})
        if self.scope == Scope.REGION and not self.region_id:
            raise ValidationError({"region": _("Pick the region for a region-scoped membership.")})
        if self.scope != Scope.STORE:
            self.store = None
        if self.scope != Scope.REGION:
            self.region = None


class CredentialQuerySet(models.QuerySet):
    def usable(self) -> CredentialQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Credential(models.Model):
    """A bearer secret shown once and stored as a SHA-256 hash (the secret has 256 bits of
    entropy, so a slow password hash buys nothing and would cost every POS request)."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class PosDevice(Credential):
    """A till bound to exactly one store; it can post sales and look up stock there."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="devices")

    class Meta:
        ordering = ["store", "name"]
        indexes = [models.Index(fields=["store", "name"])]

    def __str__(self) -> str:
        return f"{self.store.code}/{self.name}"


class ApiToken(Credential):
    """A person's token for scripts and integrations; it acts with that person's memberships."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")

    class Meta:
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.user}/{self.name}"


class LoginFailure(models.Model):
    """Failed sign-ins, kept in the database so a lockout survives a cache outage."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class AuditEvent(models.Model):
    """Who changed what, when, with the values before and after. Appended by
    ``stores.audit.record``; never edited (the admin is read-only)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=160, help_text=_("Username or device at the time"))
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
