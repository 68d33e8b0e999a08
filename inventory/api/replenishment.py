"""Replenishment API: the night's suggestions (list, edit, approve, reject), transfer
suggestions, alerts, the settings with where each value came from, and the pipeline runs.
Each view parses, authorises (the base classes), calls one function and renders."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inventory.models import Alert, PipelineRun, StockLevel, Suggestion, TransferSuggestion
from inventory.replenishment import settings as repl_settings
from inventory.replenishment import suggestions
from retail.api.errors import DomainError
from retail.api.pagination import DefaultPagination
from stores.access import Action
from stores.api.base import CompanyScopedAPIView, StoreScopedAPIView
from stores.models import Region


class SuggestionOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    supplier_code = serializers.CharField(source="supplier.code", default=None)

    class Meta:
        model = Suggestion
        fields = [
            "id", "business_day", "product_id", "sku", "product_name", "supplier_code", "status", "quantity",
            "suggested_quantity", "transfer_quantity", "unit_cost", "reason", "top_up", "demand_per_day",
            "demand_sd", "lead_time_days", "lead_time_sd_days", "review_days", "service_level", "safety_stock",
            "reorder_point", "order_up_to", "on_hand", "on_order", "in_transit", "case_pack", "sources",
            "purchase_order_id", "rejection_reason", "decided_at",
        ]  # fmt: skip


class TransferSuggestionOut(serializers.ModelSerializer):
    from_store = serializers.CharField(source="store.code")
    to_store = serializers.CharField(source="to_store.code")
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = TransferSuggestion
        fields = ["id", "business_day", "from_store", "to_store", "product_id", "sku", "quantity", "status", "reason"]


class AlertOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = Alert
        fields = ["id", "kind", "product_id", "sku", "on_hand", "message", "first_seen_on", "last_seen_on",
                  "cleared_on", "notified_at"]  # fmt: skip


class PipelineRunOut(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code")

    class Meta:
        model = PipelineRun
        fields = ["id", "store", "business_day", "status", "started_at", "finished_at", "attempts", "counts",
                  "error", "transfers_done_at"]  # fmt: skip


class SuggestionFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=["proposed", "approved", "rejected"], required=False)
    supplier = serializers.CharField(required=False, help_text="Supplier code")


class QuantityIn(serializers.Serializer):
    quantity = serializers.CharField(help_text="Units, at most 3 decimals")


class IdsIn(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField())


class RejectIn(IdsIn):
    reason = serializers.CharField(max_length=300)


class SettingRow(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    source = serializers.ChoiceField(choices=["default", "company", "region", "store", "product"])


class SettingsOut(serializers.Serializer):
    settings = SettingRow(many=True)


class SettingsLevelOut(serializers.Serializer):
    """One level's own values (null = inherited)."""

    scope = serializers.CharField()
    region = serializers.CharField(allow_null=True, required=False)
    service_level = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True, coerce_to_string=False)
    review_days = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, coerce_to_string=False)
    min_qty = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True, coerce_to_string=False)
    max_qty = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True, coerce_to_string=False)
    round_to_case_pack = serializers.BooleanField(allow_null=True)
    transfer_surplus_days = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, coerce_to_string=False
    )
    transfer_min_qty = serializers.DecimalField(
        max_digits=14, decimal_places=3, allow_null=True, coerce_to_string=False
    )
    transfer_lead_days = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, coerce_to_string=False
    )


class SettingsChanges(serializers.Serializer):
    """Any of the settings; null clears the level's value (it then inherits)."""

    service_level = serializers.CharField(required=False, allow_null=True)
    review_days = serializers.CharField(required=False, allow_null=True)
    min_qty = serializers.CharField(required=False, allow_null=True)
    max_qty = serializers.CharField(required=False, allow_null=True)
    round_to_case_pack = serializers.BooleanField(required=False, allow_null=True)
    transfer_surplus_days = serializers.CharField(required=False, allow_null=True)
    transfer_min_qty = serializers.CharField(required=False, allow_null=True)
    transfer_lead_days = serializers.CharField(required=False, allow_null=True)


class CompanySettingsIn(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["company", "region"])
    region = serializers.CharField(required=False, help_text="Region code, for scope=region")
    changes = SettingsChanges()


class CompanySettingsOut(serializers.Serializer):
    levels = SettingsLevelOut(many=True)
    defaults = serializers.DictField()


MAX_IDS = 5000


def _ids(data) -> list[int]:
    raw = data.get("ids") if hasattr(data, "get") else None
    if (
        not isinstance(raw, list)
        or not 0 < len(raw) <= MAX_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in raw)
    ):
        # ids beyond the bigint range reached PostgreSQL and came back as a 500
        raise DomainError(f"a list of 1 to {MAX_IDS} suggestion ids", field="ids", code="invalid")
    return raw


def _page(view, request, rows, serializer):
    paginator = DefaultPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class SuggestionList(StoreScopedAPIView):
    """GET the store's suggestions (``?status=proposed&supplier=ACME``)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(
        operation_id="stores_suggestions_list", parameters=[SuggestionFilter], responses=SuggestionOut(many=True)
    )
    def get(self, request, store_code: str) -> Response:
        rows = suggestions.list_suggestions(
            store=self.store, status=request.query_params.get("status"),
            supplier_code=request.query_params.get("supplier"),
        )  # fmt: skip
        return _page(self, request, rows, SuggestionOut)


class SuggestionDetail(StoreScopedAPIView):
    """GET one suggestion; PATCH ``{"quantity": "12"}`` changes a proposed one."""

    store_actions = {"GET": Action.VIEW_STOCK, "PATCH": Action.ORDER}
    matrix_object = "suggestion"

    @extend_schema(responses=SuggestionOut)
    def get(self, request, store_code: str, pk: int) -> Response:
        row = get_object_or_404(Suggestion.objects.for_store(self.store).select_related("product", "supplier"), pk=pk)
        return Response(SuggestionOut(row).data)

    @extend_schema(request=QuantityIn, responses=SuggestionOut)
    def patch(self, request, store_code: str, pk: int) -> Response:
        get_object_or_404(Suggestion.objects.for_store(self.store), pk=pk)
        row = suggestions.edit_quantity(
            store=self.store, suggestion_id=pk, quantity=request.data.get("quantity"), user=request.user
        )
        return Response(SuggestionOut(Suggestion.objects.select_related("product", "supplier").get(pk=row.pk)).data)


class SuggestionApprove(StoreScopedAPIView):
    """POST ``{"ids": [...]}``: one draft purchase order per supplier."""

    store_actions = {"POST": Action.ORDER}

    @extend_schema(
        request=IdsIn,
        responses=inline_serializer(
            "SuggestionsApproved",
            {"purchase_orders": inline_serializer("DraftOrder", {
                "id": serializers.IntegerField(), "supplier_id": serializers.IntegerField(),
                "status": serializers.CharField()}, many=True)},
        ),
    )  # fmt: skip
    def post(self, request, store_code: str) -> Response:
        orders = suggestions.approve(store=self.store, suggestion_ids=_ids(request.data), user=request.user)
        return Response(
            {"purchase_orders": [{"id": o.pk, "supplier_id": o.supplier_id, "status": o.status} for o in orders]}
        )


class SuggestionReject(StoreScopedAPIView):
    """POST ``{"ids": [...], "reason": "..."}``; the rejection is remembered."""

    store_actions = {"POST": Action.ORDER}

    @extend_schema(
        request=RejectIn,
        responses=inline_serializer(
            "SuggestionsRejected", {"rejected": serializers.ListField(child=serializers.IntegerField()),
                                    "rule": serializers.CharField()}),
    )  # fmt: skip
    def post(self, request, store_code: str) -> Response:
        ids = _ids(request.data)
        rows = suggestions.reject(
            store=self.store, suggestion_ids=ids, reason=request.data.get("reason"), user=request.user
        )
        return Response({"rejected": [row.pk for row in rows], "rule": suggestions.REJECTION_RULE})


class TransferSuggestionList(StoreScopedAPIView):
    """GET transfer suggestions where the store sends or receives."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=TransferSuggestionOut(many=True))
    def get(self, request, store_code: str) -> Response:
        rows = (
            TransferSuggestion.objects.for_store(self.store)
            .select_related("store", "to_store", "product")
            .order_by("-business_day", "product_id")
        )
        return _page(self, request, rows, TransferSuggestionOut)


class AlertList(StoreScopedAPIView):
    """GET the store's open alerts (``?all=1`` includes cleared ones)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=AlertOut(many=True))
    def get(self, request, store_code: str) -> Response:
        rows = Alert.objects.for_store(self.store).select_related("product").order_by("-last_seen_on", "kind", "id")
        if request.query_params.get("all") not in ("1", "true"):
            rows = rows.filter(cleared_on__isnull=True)
        return _page(self, request, rows, AlertOut)


class StoreSettingsView(StoreScopedAPIView):
    """GET the settings in force at the store (``?product=<id>`` for one product) with the
    level each value came from; PATCH ``{"service_level": "0.97", ...}`` sets the store level."""

    store_actions = {"GET": Action.VIEW_STOCK, "PATCH": Action.ORDER}

    @extend_schema(responses=SettingsOut)
    def get(self, request, store_code: str) -> Response:
        level = None
        product = request.query_params.get("product")
        if product:
            if not product.isdigit():
                raise DomainError("must be a product id", field="product", code="invalid")
            level = get_object_or_404(StockLevel.objects.for_store(self.store), product_id=int(product))
        return Response({"settings": repl_settings.resolve(store=self.store, level=level).as_rows()})

    @extend_schema(request=SettingsChanges, responses=SettingsOut)
    def patch(self, request, store_code: str) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        repl_settings.update_level(scope="store", store=self.store, changes=dict(data))
        return Response({"settings": repl_settings.resolve(store=self.store).as_rows()})


class CompanySettingsView(CompanyScopedAPIView):
    """GET every company and region level; PATCH ``{"scope": "company"|"region", "region": CODE,
    "changes": {...}}`` sets one of them."""

    company_actions = {"GET": Action.MANAGE_INTEGRATIONS}

    @extend_schema(responses=CompanySettingsOut)
    def get(self, request) -> Response:
        from inventory.models import ReplenishmentSettings

        rows = ReplenishmentSettings.objects.filter(store__isnull=True).select_related("region")
        return Response({
            "levels": [
                {"scope": r.scope, "region": r.region.code if r.region else None,
                 **{name: getattr(r, name) for name in repl_settings.FIELDS}}
                for r in rows
            ],
            "defaults": repl_settings.DEFAULTS,
        })  # fmt: skip

    @extend_schema(request=CompanySettingsIn, responses=SettingsLevelOut)
    def patch(self, request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        scope = data.get("scope")
        if scope not in ("company", "region"):
            raise DomainError("must be company or region", field="scope", code="invalid")
        region = None
        if scope == "region":
            region = Region.objects.filter(code=data.get("region") or "").first()
            if region is None:
                raise DomainError("unknown region", field="region", code="not_found")
        changes = data.get("changes")
        if not isinstance(changes, dict):
            raise DomainError("an object of settings", field="changes", code="invalid")
        row = repl_settings.update_level(scope=scope, region=region, changes=changes)
        return Response({"scope": row.scope, **{name: getattr(row, name) for name in repl_settings.FIELDS}})


class PipelineRunList(CompanyScopedAPIView):
    """GET the latest nightly runs (``?store=CODE``), newest first: admins only."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": Action.VIEW_AUDIT}

    @extend_schema(responses=PipelineRunOut(many=True))
    def get(self, request) -> Response:
        rows = PipelineRun.objects.select_related("store").order_by("-business_day", "store__code")
        if request.query_params.get("store"):
            rows = rows.filter(store__code=request.query_params["store"])
        return _page(self, request, rows, PipelineRunOut)
