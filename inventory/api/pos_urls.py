from django.urls import path

from . import pos

urlpatterns = [
    path("stores/<str:store_code>/sales/", pos.SaleListCreate.as_view(), name="sale-list"),
    path("stores/<str:store_code>/sales/batch/", pos.SaleBatch.as_view(), name="sale-batch"),
    path("stores/<str:store_code>/sales/<int:pk>/", pos.SaleDetail.as_view({"get": "retrieve"}), name="sale-detail"),
    path("stores/<str:store_code>/stock/", pos.StockList.as_view(), name="stock-list"),
    path("stores/<str:store_code>/stock/lookup/", pos.StockLookup.as_view(), name="stock-lookup"),
    path("quarantine/", pos.QuarantineList.as_view(), name="quarantine-list"),
    path("quarantine/resolve/", pos.QuarantineResolve.as_view(), name="quarantine-resolve"),
]
