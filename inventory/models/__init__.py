"""Inventory tables, one module per part of the business."""

from .catalogue import Barcode, Category, PriceChange, Product, ProductSupplier, Supplier, TaxClass, Unit
from .documents import (
    Adjustment,
    AdjustmentLine,
    AdjustmentReason,
    CountScope,
    CountStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    StockCount,
    StockCountLine,
    Transfer,
    TransferLine,
    TransferStatus,
)
from .integration import (
    DeliveryStatus,
    ImportJob,
    ImportKind,
    ImportStatus,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from .replenishment import (
    Alert,
    AlertKind,
    DemandState,
    PipelineRun,
    PipelineStatus,
    ProjectedSurplus,
    ReplenishmentSettings,
    SettingsScope,
    Suggestion,
    SuggestionRejection,
    SuggestionStatus,
    TransferSuggestion,
    TransferSuggestionStatus,
)  # fmt: skip
from .sales import Payment, QuarantinedLine, QuarantineStatus, Sale, SaleKind, SaleLine
from .stock import MovementKind, StockLevel, StockMovement

__all__ = [
    "Adjustment", "AdjustmentLine", "AdjustmentReason", "Barcode", "Category", "CountScope", "CountStatus",
    "ImportJob", "ImportKind", "ImportStatus", "MovementKind", "OutboxEvent", "Payment", "PriceChange", "Product",
    "ProductSupplier", "PurchaseOrder", "PurchaseOrderLine", "PurchaseOrderStatus", "QuarantineStatus",
    "QuarantinedLine", "Receipt", "ReceiptLine", "Sale", "SaleKind", "SaleLine", "StockCount", "StockCountLine",
    "StockLevel", "StockMovement", "Supplier", "TaxClass", "Transfer", "TransferLine", "TransferStatus", "Unit",
    "WebhookDelivery", "WebhookEndpoint",
]  # fmt: skip
__all__ += [
    "Alert", "AlertKind", "DemandState", "PipelineRun", "PipelineStatus", "ReplenishmentSettings", "SettingsScope",
    "Suggestion", "SuggestionRejection", "SuggestionStatus", "TransferSuggestion", "TransferSuggestionStatus",
]  # fmt: skip
__all__ += ["DeliveryStatus", "ProjectedSurplus"]
