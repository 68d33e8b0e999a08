"""The shapes the analytics API answers with, for the OpenAPI schema (the views return the
selectors' dicts; these serializers describe them field by field, they do not re-render).

Numbers computed from decimals leave DRF's JSON encoder as JSON numbers; a ``key`` is the
grouped object's id (store, region, category) or an ISO date (day), hence ``JSONField``."""

from __future__ import annotations

from rest_framework import serializers

from .serializers import ReportOut

Num = serializers.FloatField
Ratio = lambda: serializers.FloatField(allow_null=True)  # noqa: E731 - None when the divisor is 0


class _Envelope(serializers.Serializer):
    # ``from``/``to`` are Python keywords: declared in get_fields.
    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        fields["to"] = serializers.DateField()
        return fields


class SalesRow(serializers.Serializer):
    key = serializers.JSONField()
    label = serializers.CharField(allow_null=True)
    units = Num()
    revenue = Num()
    returns_value = Num()
    net_sales = Num()
    margin = Num()
    prior_net_sales = Num(required=False)
    change_vs_prior_pct = Ratio()
    last_year_net_sales = Num(required=False)
    change_vs_last_year_pct = Ratio()


class InventoryRow(serializers.Serializer):
    key = serializers.JSONField()
    label = serializers.CharField(allow_null=True)
    units = Num(allow_null=True)
    closing_on_hand = Num(allow_null=True)
    sell_through = Ratio()
    stock_turn = Ratio()
    stock_turn_annualised = Ratio()
    days_of_cover = Ratio()
    gmroi = Ratio()
    stockout_rate = Ratio()


class AbcRow(serializers.Serializer):
    store_id = serializers.IntegerField(required=False)
    store = serializers.CharField(required=False)
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    revenue = Num()
    cumulative_share = Num()

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(choices=["A", "B", "C"])
        return fields


class DeadStockRow(serializers.Serializer):
    store = serializers.CharField()
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    on_hand = Num()
    value_at_cost = Num()
    last_sale_at = serializers.DateTimeField(allow_null=True)


class MoverRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    units = Num()
    prior_units = Num()
    change_pct = Ratio()


class Movers(serializers.Serializer):
    top = MoverRow(many=True)
    bottom = MoverRow(many=True)


class ShrinkageRow(serializers.Serializer):
    reason = serializers.CharField()
    units = Num()
    value = Num()
    movements = serializers.IntegerField()


class ForecastRow(serializers.Serializer):
    key = serializers.JSONField()
    label = serializers.CharField(allow_null=True)
    forecasts = serializers.IntegerField()
    forecast_units = Num()
    actual_units = Num()
    wape = Ratio()
    bias = Ratio()
    accuracy = Ratio()
    horizon_days = serializers.IntegerField()


class SalesOut(_Envelope):
    group_by = serializers.CharField()
    results = SalesRow(many=True)


class InventoryOut(_Envelope):
    group_by = serializers.CharField()
    results = InventoryRow(many=True)


class AbcOut(_Envelope):
    per_store = serializers.BooleanField()
    results = AbcRow(many=True)


class DeadStockOut(_Envelope):
    days = serializers.IntegerField()
    results = DeadStockRow(many=True)


class MoversOut(_Envelope):
    results = Movers()


class ShrinkageOut(_Envelope):
    results = ShrinkageRow(many=True)


class ForecastOut(_Envelope):
    horizon_days = serializers.IntegerField()
    results = ForecastRow(many=True)


class ReportList(serializers.Serializer):
    results = ReportOut(many=True)


class ReportStatus(ReportOut):
    """A report's status, as ``ReportOut`` plus when it was checked (for the polling page)."""

    checked_at = serializers.DateTimeField()

    class Meta(ReportOut.Meta):
        fields = [*ReportOut.Meta.fields, "checked_at"]
