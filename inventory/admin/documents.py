"""Admin: the store documents (adjustments, counts, transfers, purchase orders, receipts) and
the ledger. Documents are read here; they change state only through their domain modules
(the API), so the admin shows them without add, change or delete. The ledger is append-only:
no permission to add, change or delete a movement, whoever asks."""

from __future__ import annotations

from django.contrib import admin

from inventory.models import (
    Adjustment,
    AdjustmentLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockCount,
    StockCountLine,
    StockMovement,
    Transfer,
    TransferLine,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LineInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    exclude = ("store",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class AdjustmentLineInline(LineInline):
    model = AdjustmentLine


class StockCountLineInline(LineInline):
    model = StockCountLine


class TransferLineInline(LineInline):
    model = TransferLine


class PurchaseOrderLineInline(LineInline):
    model = PurchaseOrderLine


class ReceiptLineInline(LineInline):
    model = ReceiptLine


class ReceiptInline(ReadOnlyMixin, admin.TabularInline):
    model = Receipt
    extra = 0
    fields = ("received_at", "received_by", "note")
    readonly_fields = fields
    show_change_link = True


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "store", "reason", "note", "created_by", "created_at")
    list_filter = ("store", "reason")
    list_select_related = ("store", "created_by")
    date_hierarchy = "created_at"
    inlines = (AdjustmentLineInline,)


@admin.register(StockCount)
class StockCountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "store", "scope", "category", "blind", "status", "created_at", "posted_at")
    list_filter = ("store", "status", "scope", "blind")
    list_select_related = ("store", "category")
    inlines = (StockCountLineInline,)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "store", "to_store", "status", "requested_at", "shipped_at", "received_at")
    list_filter = ("status", "store", "to_store")
    list_select_related = ("store", "to_store")
    inlines = (TransferLineInline,)


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "store", "supplier", "status", "created_at", "ordered_at", "expected_on", "closed_at")
    list_filter = ("status", "store", "supplier")
    list_select_related = ("store", "supplier")
    search_fields = ("supplier__code",)
    inlines = (PurchaseOrderLineInline, ReceiptInline)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "store", "order", "received_by", "received_at")
    list_filter = ("store",)
    list_select_related = ("store", "order", "received_by")
    inlines = (ReceiptLineInline,)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "pk", "occurred_at", "store", "product", "kind", "reason", "quantity", "unit_cost", "document_type",
        "document_id", "user",
    )  # fmt: skip
    list_filter = ("store", "kind", "document_type")
    list_select_related = ("store", "product", "user")
    search_fields = ("product__sku",)
    date_hierarchy = "business_day"
    show_full_result_count = False
