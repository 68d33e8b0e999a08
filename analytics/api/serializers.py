"""Query and body parsing for the analytics API (errors name the field: ``from``, ``to``...)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.kpis import GROUPS, MAX_PERIOD_DAYS
from analytics.models import ReportFormat, ReportKind, ReportRequest

DEFAULT_DAYS = 28


class PeriodQuery(serializers.Serializer):
    """``from``/``to`` (ISO dates, default the last 28 days up to today), ``store``, ``region``."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    store = serializers.CharField(required=False, max_length=16)
    region = serializers.CharField(required=False, max_length=16)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("date_from")
        fields["to"] = fields.pop("date_to")
        fields["from"].source = "date_from"
        fields["to"].source = "date_to"
        return fields

    def validate(self, attrs):
        date_to = attrs.get("date_to") or timezone.now().date()
        date_from = attrs.get("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise serializers.ValidationError({"to": [_("must be on or after from")]}, code="invalid")
        if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"from": [_("the period is longer than %d days") % MAX_PERIOD_DAYS]})
        attrs["date_from"], attrs["date_to"] = date_from, date_to
        return attrs


class GroupedQuery(PeriodQuery):
    group_by = serializers.ChoiceField(choices=GROUPS, required=False, default="store")


class AbcQuery(PeriodQuery):
    per_store = serializers.BooleanField(required=False, allow_null=True, default=None)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10000, default=1000)


class DeadStockQuery(PeriodQuery):
    days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PERIOD_DAYS, default=90)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10000, default=500)


class MoversQuery(PeriodQuery):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=20)


class ReportCreate(PeriodQuery):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.CSV)
    days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PERIOD_DAYS, default=90)


class ReportOut(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRequest
        fields = ["id", "kind", "format", "status", "percent", "rows", "scope", "error", "created_at",
                  "finished_at", "expires_at", "download_url"]  # fmt: skip

    def get_download_url(self, report: ReportRequest) -> str | None:
        from analytics.reports import download_url

        request = self.context.get("request")
        base = f"{request.scheme}://{request.get_host()}" if request is not None else ""
        return download_url(report, base_url=base)


class ForecastQuery(PeriodQuery):
    horizon_days = serializers.IntegerField(required=False, min_value=1, max_value=56, default=7)
    group_by = serializers.ChoiceField(choices=["store", "all"], required=False, default="store")
