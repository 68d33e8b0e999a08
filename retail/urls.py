from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health

api_v1 = [
    path("", include("stores.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("analytics.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("stores.twofactor_urls")),
    path("", include("stores.urls")),
    path("", include("inventory.urls")),
    path("", include("analytics.urls")),
    path("office/", include("analytics.office_urls")),
]

handler404 = "retail.api.errors.page_not_found"

handler500 = "retail.error_views.server_error"
