"""Admin: replenishment settings, the night's suggestions and alerts, and the pipeline runs
(read-only: what ran, when, what it wrote, the error)."""

from django.contrib import admin

from inventory.models import Alert, PipelineRun, ReplenishmentSettings, Suggestion, TransferSuggestion


@admin.register(ReplenishmentSettings)
class ReplenishmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("scope", "region", "store", "service_level", "review_days", "round_to_case_pack", "updated_at")
    list_filter = ("scope",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PipelineRun)
class PipelineRunAdmin(ReadOnlyAdmin):
    list_display = ("store", "business_day", "status", "started_at", "finished_at", "attempts", "counts", "error")
    list_filter = ("status", "business_day")
    search_fields = ("store__code",)
    list_select_related = ("store",)


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ("store", "business_day", "product", "supplier", "status", "quantity", "top_up")
    list_filter = ("status", "business_day", "top_up")
    search_fields = ("store__code", "product__sku")
    list_select_related = ("store", "product", "supplier")


@admin.register(TransferSuggestion)
class TransferSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("store", "to_store", "business_day", "product", "quantity", "status")
    list_select_related = ("store", "to_store", "product")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("store", "product", "kind", "on_hand", "first_seen_on", "last_seen_on", "cleared_on", "notified_at")
    list_filter = ("kind",)
    list_select_related = ("store", "product")
