"""Admin: catalogue (products with barcodes, supplier terms and their read-only price
history; categories; suppliers), imports, webhooks with a replay action, and the outbox
(read-only). Product saves go through ``inventory.catalogue`` so the admin keeps the
price history exactly like the API does."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from inventory import catalogue, webhooks
from inventory.models import (
    Barcode,
    Category,
    ImportJob,
    OutboxEvent,
    PriceChange,
    Product,
    ProductSupplier,
    Supplier,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 1


class TermsInline(admin.TabularInline):
    model = ProductSupplier
    extra = 0
    autocomplete_fields = ("supplier",)


class PriceChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = PriceChange
    fields = ("changed_at", "cost", "price", "changed_by")
    readonly_fields = fields
    extra = 0
    ordering = ("-changed_at",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "cost", "price", "tax_class", "is_active")
    list_filter = ("is_active", "tax_class", "unit")
    search_fields = ("sku", "name", "barcodes__code")
    list_select_related = ("category",)
    autocomplete_fields = ("category", "like_product")
    inlines = (BarcodeInline, TermsInline, PriceChangeInline)

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in catalogue.PRODUCT_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            catalogue.update_product(product_id=obj.pk, changes=changed, user=request.user)
        else:
            obj.pk = catalogue.create_product(data=fields, user=request.user).pk
        obj.refresh_from_db()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "path")
    search_fields = ("name",)
    readonly_fields = ("path",)


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "lead_time_days",
        "lead_time_sd_days",
        "min_order_value",
        "free_freight_value",
        "contact_email",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "dry_run",
        "status",
        "total_rows",
        "processed_rows",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status", "dry_run")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "events", "is_active", "description", "created_at")
    list_filter = ("is_active",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "endpoint",
        "event_topic",
        "status",
        "attempts",
        "response_status",
        "error",
        "last_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "endpoint")
    list_select_related = ("endpoint", "event")
    readonly_fields = (
        "endpoint",
        "event",
        "status",
        "attempts",
        "response_status",
        "error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    )
    actions = ("replay_selected",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("topic"))
    def event_topic(self, delivery: WebhookDelivery) -> str:
        return delivery.event.topic

    @admin.action(description=_("Replay selected deliveries"))
    def replay_selected(self, request, queryset) -> None:
        try:
            sent = webhooks.replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        except webhooks.BrokerUnavailable as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": len(sent)})


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "topic", "store", "created_at", "dispatched_at", "attempts")
    list_filter = ("topic",)
    list_select_related = ("store",)
