"""Store pages under ``/s/<store_code>/``: the store in the URL is the store acted on."""

from django.urls import path

from .pages import counting, moving, ordering, stock

S = "s/<str:store_code>/"

urlpatterns = [
    path(S, stock.store_home, name="store-home"),
    path(S + "stock/", stock.stock_list, name="stock-list"),
    path(S + "products/<str:sku>/", stock.product_page, name="product-page"),
    path(S + "suggestions/", ordering.suggestion_list, name="suggestion-list"),
    path(S + "suggestions/decide/", ordering.suggestion_decide, name="suggestion-decide"),
    path(S + "suggestions/<int:pk>/quantity/", ordering.suggestion_quantity, name="suggestion-quantity"),
    path(S + "purchase-orders/", ordering.po_list, name="po-list"),
    path(S + "purchase-orders/<int:pk>/", ordering.po_detail, name="po-detail"),
    path(S + "purchase-orders/<int:pk>/action/", ordering.po_action, name="po-action"),
    path(S + "purchase-orders/<int:pk>/receive/", ordering.po_receive, name="po-receive"),
    path(S + "counts/", counting.count_list, name="count-page-list"),
    path(S + "counts/<int:pk>/scan/", counting.count_scan, name="count-scan"),
    path(S + "counts/<int:pk>/review/", counting.count_review, name="count-review"),
    path(S + "counts/<int:pk>/action/", counting.count_action, name="count-action"),
    path(S + "transfers/", moving.transfer_list, name="transfer-page-list"),
    path(S + "transfers/<int:pk>/", moving.transfer_detail, name="transfer-page-detail"),
    path(S + "adjustments/new/", moving.adjustment_new, name="adjustment-new"),
]
