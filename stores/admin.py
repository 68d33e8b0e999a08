"""Admin for tenancy: regions, stores, memberships, device credentials."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import audit, credentials
from .forms import LockoutMixin
from .models import ApiToken, AuditEvent, LoginFailure, Membership, PosDevice, Region, Store


class StoreInline(admin.TabularInline):
    model = Store
    fields = ["code", "name", "format", "timezone", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [StoreInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "scope"]
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "format", "size_sqm", "timezone", "is_active"]
    list_filter = ["region", "format", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


MEMBERSHIP_FIELDS = ["user", "role", "scope", "store", "region"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Role changes are audited: who granted or removed what, when."""

    list_display = ["user", "role", "scope", "store", "region", "created_at"]
    list_filter = ["role", "scope", "region"]
    search_fields = ["user__username", "store__code"]
    autocomplete_fields = ["user", "store"]
    list_select_related = ["user", "store", "region"]

    def save_model(self, request, obj, form, change) -> None:
        before = audit.snapshot(Membership.objects.get(pk=obj.pk), MEMBERSHIP_FIELDS) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="membership.change" if change else "membership.grant",
            obj=obj,
            store=obj.store,
            before=before,
            after=audit.snapshot(obj, MEMBERSHIP_FIELDS),
        )

    def delete_model(self, request, obj) -> None:
        audit.record(
            actor=request.user,
            action="membership.revoke",
            obj=obj,
            store=obj.store,
            before=audit.snapshot(obj, MEMBERSHIP_FIELDS),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence."""

    list_display = ["at", "actor_label", "action", "object_type", "object_repr", "store"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["store"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description=_("Revoke the selected credentials now"))
def revoke_selected(modeladmin, request, queryset) -> None:
    count = 0
    for credential in queryset.filter(revoked_at__isnull=True):
        credentials.revoke(credential, actor=request.user)
        count += 1
    messages.success(request, _("%(count)d credential(s) revoked.") % {"count": count})


class CredentialAdmin(admin.ModelAdmin):
    """Keys are issued by the app (shown once); the admin only lists and revokes."""

    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = [revoke_selected]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PosDevice)
class PosDeviceAdmin(CredentialAdmin):
    list_display = ["name", "store", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["store__region", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "store__code"]
    list_select_related = ["store"]


@admin.register(ApiToken)
class ApiTokenAdmin(CredentialAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["username", "ip", "at"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "at"]

    def has_add_permission(self, request) -> bool:
        return False


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's sign-in locks out like the site's: otherwise /admin/login/ would be an
    open door for password guessing."""


admin.site.login_form = LockoutAdminAuthenticationForm
