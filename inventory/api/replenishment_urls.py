"""Replenishment API routes (store-scoped under ``stores/<store_code>/``, company-wide under ``replenishment/``)."""

from django.urls import path

from . import replenishment as v
from . import transfer_suggestions as ts

urlpatterns = [
    path("stores/<str:store_code>/suggestions/", v.SuggestionList.as_view(), name="suggestion-list"),
    path("stores/<str:store_code>/suggestions/approve/", v.SuggestionApprove.as_view(), name="suggestion-approve"),
    path("stores/<str:store_code>/suggestions/reject/", v.SuggestionReject.as_view(), name="suggestion-reject"),
    path("stores/<str:store_code>/suggestions/<int:pk>/", v.SuggestionDetail.as_view(), name="suggestion-detail"),
    path(
        "stores/<str:store_code>/transfer-suggestions/",
        v.TransferSuggestionList.as_view(),
        name="transfer-suggestion-list",
    ),
    path(
        "stores/<str:store_code>/transfer-suggestions/<int:pk>/accept/",
        ts.TransferSuggestionAccept.as_view(),
        name="transfer-suggestion-accept",
    ),
    path(
        "stores/<str:store_code>/transfer-suggestions/<int:pk>/dismiss/",
        ts.TransferSuggestionDismiss.as_view(),
        name="transfer-suggestion-dismiss",
    ),
    path("stores/<str:store_code>/alerts/", v.AlertList.as_view(), name="alert-list"),
    path(
        "stores/<str:store_code>/replenishment-settings/",
        v.StoreSettingsView.as_view(),
        name="store-replenishment-settings",
    ),
    path("replenishment/settings/", v.CompanySettingsView.as_view(), name="replenishment-settings"),
    path("replenishment/runs/", v.PipelineRunList.as_view(), name="pipeline-run-list"),
]
