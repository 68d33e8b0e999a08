from django.urls import path

from . import views

app_name = "analytics-api"

urlpatterns = [
    path("analytics/sales/", views.SalesView.as_view(), name="sales"),
    path("analytics/inventory/", views.InventoryView.as_view(), name="inventory"),
    path("analytics/abc/", views.AbcView.as_view(), name="abc"),
    path("analytics/dead-stock/", views.DeadStockView.as_view(), name="dead-stock"),
    path("analytics/movers/", views.MoversView.as_view(), name="movers"),
    path("analytics/shrinkage/", views.ShrinkageView.as_view(), name="shrinkage"),
    path("analytics/forecast-accuracy/", views.ForecastAccuracyView.as_view(), name="forecast-accuracy"),
    path("analytics/reports/", views.ReportListView.as_view(), name="report-list"),
    path("analytics/reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
]
