"""Head-office pages: the company dashboard, stores side by side (with a CSV download), and
report files requested, watched and downloaded. Data comes from ``analytics.kpis`` over the
stores the person may see (``kpis.scoped_stores``): regional managers get their region."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from retail.api.errors import DomainError
from stores.access import Action, stores_visible_to
from stores.models import Region
from stores.pages import office_page, put_errors

from . import kpis, reports
from .forms import PERIOD_DAYS, ReportForm

COMPARE_COLUMNS = [
    ("store", "Store"), ("region", "Region"), ("net_sales", "Net sales"), ("change_vs_prior_pct", "vs prior %"),
    ("change_vs_last_year_pct", "vs last year %"), ("margin_pct", "Margin %"), ("sell_through", "Sell-through"),
    ("days_of_cover", "Days of cover"), ("out_of_stock_rate", "Out of stock now"), ("open_alerts", "Open alerts"),
]  # fmt: skip


def _period(request: HttpRequest) -> kpis.Period:
    """The last 28 days up to yesterday (``?days=7..365`` changes the length)."""
    days = request.GET.get("days", "")
    length = min(max(int(days), 7), 365) if days.isdigit() else PERIOD_DAYS
    end = timezone.localdate() - timedelta(days=1)
    return kpis.Period(end - timedelta(days=length - 1), end)


@office_page(Action.VIEW_REPORTS)
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = kpis.scoped_stores(request.user)
    period = _period(request)
    regions = kpis.sales(scope=scope, period=period, group_by="region")
    trend = kpis.sales(scope=scope, period=period, group_by="day")
    week = kpis.Period(period.date_to - timedelta(days=6), period.date_to)
    categories = kpis.top_categories(scope=scope, period=week)
    health = kpis.stock_health(scope=scope, group_by="region")
    alerts = kpis.open_alerts(scope=scope)
    total = sum(r["net_sales"] for r in regions)
    prior = sum(r["prior_net_sales"] for r in regions)
    context = {
        "period": period,
        "regions": regions,
        "total": total,
        "change": round(float((total - prior) / prior * 100), 1) if prior else None,
        "out_of_stock": {r["label"]: (health.get(r["key"]) or {}).get("out_of_stock_rate") for r in regions},
        "stock_as_of": min((h["refreshed_at"] for h in health.values()), default=None),
        "categories": categories,
        "alerts": alerts[:10],
        "stores_with_alerts": len(alerts),
        "trend_chart": {
            "labels": [r["key"] for r in trend],
            "series": [{"label": "Net sales", "data": [float(r["net_sales"]) for r in trend]}],
        },
        "region_chart": {
            "type": "bar",
            "labels": [r["label"] for r in regions],
            "series": [
                {"label": "This period", "data": [float(r["net_sales"]) for r in regions]},
                {"label": "Prior period", "data": [float(r["prior_net_sales"]) for r in regions]},
                {"label": "Last year", "data": [float(r["last_year_net_sales"]) for r in regions]},
            ],
        },
    }
    return render(request, "analytics/office/dashboard.html", context)


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    key, reverse = sort.lstrip("-"), sort.startswith("-")
    if key not in dict(COMPARE_COLUMNS):
        key, reverse = "net_sales", True
    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    return sorted(present, key=lambda r: r[key], reverse=reverse) + missing


@office_page(Action.VIEW_REPORTS)
def store_comparison(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    region = request.GET.get("region") or None
    sort = request.GET.get("sort", "-net_sales")
    rows = _sorted(kpis.store_comparison(request.user, period=period, region_code=region), sort)
    if request.GET.get("format") == "csv":
        return _csv(rows, period)
    regions = Region.objects.filter(stores__in=stores_visible_to(request.user)).distinct().order_by("name")
    query = request.GET.copy()
    query.pop("sort", None)
    context = {
        "rows": rows, "period": period, "region": region or "", "regions": regions, "sort": sort,
        "columns": COMPARE_COLUMNS, "query": query.urlencode(),
    }  # fmt: skip
    return render(request, "analytics/office/stores.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: list[dict], period: kpis.Period) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["store", "name", *[key for key, _ in COMPARE_COLUMNS if key != "store"]]
    lines = (writer.writerow(line) for line in [header, *([row[k] for k in header] for row in rows)])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"stores-{period.date_from.isoformat()}-{period.date_to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@office_page(Action.VIEW_REPORTS)
def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.request_report(
                user=request.user, kind=data["kind"], fmt=data["format"], date_from=data["date_from"],
                date_to=data["date_to"], region_code=form.region_code, store_code=form.store_code,
            )  # fmt: skip
        except DomainError as exc:
            put_errors(form, exc)
        except Http404:
            form.add_error("scope", _("no such store or region among those you can see"))
        else:
            messages.success(request, _("Report %(pk)s requested: it is being built.") % {"pk": report.pk})
            return redirect("office:reports")
    context = {"form": form, "reports": reports.visible_reports(request.user)[:20]}
    return render(request, "analytics/office/reports.html", context, status=400 if form.errors else 200)


@office_page(Action.VIEW_REPORTS)
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polls this every second while the report builds; the answer stops the polling
    (no trigger) once it is done or failed."""
    report = reports.visible_reports(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    base = f"{request.scheme}://{request.get_host()}"
    return render(
        request, "analytics/office/_report_row.html", {"r": report, "url": reports.download_url(report, base_url=base)}
    )
