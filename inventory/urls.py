"""Store pages under ``/s/<store_code>/``: the store in the URL is the store acted on."""

from django.urls import path

from .pages import stock

S = "s/<str:store_code>/"

urlpatterns = [
    path(S, stock.store_home, name="store-home"),
    path(S + "stock/", stock.stock_list, name="stock-list"),
    path(S + "products/<str:sku>/", stock.product_page, name="product-page"),
]
