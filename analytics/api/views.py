"""Analytics API: KPIs over the visible stores, and report files. Each view parses the
query, resolves the scope once (:func:`analytics.kpis.scoped_stores`, 404 for a store or
region the caller cannot see), calls one selector or domain function and renders."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from analytics import kpis, reports
from stores.access import Action
from stores.api.base import CompanyScopedAPIView

from . import responses as r
from . import serializers as s


class _KpiView(CompanyScopedAPIView):
    company_actions = {"GET": Action.VIEW_REPORTS}
    query_class: type[s.PeriodQuery] = s.PeriodQuery

    def parse(self, request) -> tuple[dict, kpis.Scope, kpis.Period]:
        query = self.query_class(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scope = kpis.scoped_stores(request.user, store_code=params.get("store"), region_code=params.get("region"))
        return params, scope, kpis.Period(params["date_from"], params["date_to"])

    def render(self, params: dict, results, **extra) -> Response:
        return Response({"from": params["date_from"], "to": params["date_to"], **extra, "results": results})


class SalesView(_KpiView):
    """Sales by store, region, category or day, with the prior period and last year."""

    query_class = s.GroupedQuery

    @extend_schema(parameters=[s.GroupedQuery], responses=r.SalesOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        results = kpis.sales(scope=scope, period=period, group_by=params["group_by"])
        return self.render(params, results, group_by=params["group_by"])


class InventoryView(_KpiView):
    """Sell-through, stock turn, days of cover, GMROI and stock-out rate."""

    query_class = s.GroupedQuery

    @extend_schema(parameters=[s.GroupedQuery], responses=r.InventoryOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        results = kpis.inventory(scope=scope, period=period, group_by=params["group_by"])
        return self.render(params, results, group_by=params["group_by"])


class AbcView(_KpiView):
    """ABC classes by revenue: per store (default when ``store`` is given) or company-wide."""

    query_class = s.AbcQuery

    @extend_schema(parameters=[s.AbcQuery], responses=r.AbcOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        per_store = params["per_store"] if params["per_store"] is not None else bool(params.get("store"))
        results = kpis.abc_classes(scope=scope, period=period, per_store=per_store, limit=params["limit"])
        return self.render(params, results, per_store=per_store)


class DeadStockView(_KpiView):
    query_class = s.DeadStockQuery

    @extend_schema(parameters=[s.DeadStockQuery], responses=r.DeadStockOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        results = kpis.dead_stock(scope=scope, today=period.date_to, days=params["days"], limit=params["limit"])
        return self.render(params, results, days=params["days"])


class MoversView(_KpiView):
    query_class = s.MoversQuery

    @extend_schema(parameters=[s.MoversQuery], responses=r.MoversOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        return self.render(params, kpis.movers(scope=scope, period=period, limit=params["limit"]))


class ShrinkageView(_KpiView):
    @extend_schema(parameters=[s.PeriodQuery], responses=r.ShrinkageOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        return self.render(params, kpis.shrinkage_by_reason(scope=scope, period=period))


class ForecastAccuracyView(_KpiView):
    """The replenishment engine's forecast against what then sold (WAPE, bias, accuracy)."""

    query_class = s.ForecastQuery

    @extend_schema(parameters=[s.ForecastQuery], responses=r.ForecastOut)
    def get(self, request):
        params, scope, period = self.parse(request)
        results = kpis.forecast_accuracy(
            scope=scope, period=period, horizon_days=params["horizon_days"], group_by=params["group_by"]
        )
        return self.render(params, results, horizon_days=params["horizon_days"])


class ReportListView(CompanyScopedAPIView):
    """GET: the caller's reports (newest first, 100 at most). POST: request a report."""

    company_actions = {"GET": Action.VIEW_REPORTS, "POST": Action.VIEW_REPORTS}

    @extend_schema(operation_id="analytics_reports_list", responses=r.ReportList)
    def get(self, request):
        rows = reports.visible_reports(request.user)[:100]
        return Response({"results": s.ReportOut(rows, many=True, context={"request": request}).data})

    @extend_schema(request=s.ReportCreate, responses={201: s.ReportOut})
    def post(self, request):
        body = s.ReportCreate(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        report = reports.request_report(
            user=request.user, kind=data["kind"], fmt=data["format"], date_from=data["date_from"],
            date_to=data["date_to"], store_code=data.get("store"), region_code=data.get("region"), days=data["days"],
        )  # fmt: skip
        report.refresh_from_db()
        return Response(s.ReportOut(report, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ReportDetailView(CompanyScopedAPIView):
    """Status, percent done and (when done) a download link valid for five minutes."""

    company_actions = {"GET": Action.VIEW_REPORTS}
    matrix_object = "report_request"

    @extend_schema(responses=r.ReportStatus)
    def get(self, request, pk: int):
        report = reports.visible_reports(request.user).filter(pk=pk).first()
        if report is None:
            raise Http404
        data = s.ReportOut(report, context={"request": request}).data
        data["checked_at"] = timezone.now()
        return Response(data)
