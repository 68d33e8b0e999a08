"""Store documents that move stock, under ``stores/<store_code>/``."""

from django.urls import path

from . import documents as v

S = "stores/<str:store_code>/"

urlpatterns = [
    path(S + "adjustments/", v.AdjustmentList.as_view(), name="adjustment-list"),
    path(S + "adjustments/<int:pk>/", v.AdjustmentDetail.as_view(), name="adjustment-detail"),
    path(S + "counts/", v.CountList.as_view(), name="count-list"),
    path(S + "counts/<int:pk>/", v.CountDetail.as_view(), name="count-detail"),
    path(S + "counts/<int:pk>/scan/", v.CountScan.as_view(), name="count-scan"),
    path(S + "counts/<int:pk>/post/", v.CountPost.as_view(), name="count-post"),
    path(S + "counts/<int:pk>/cancel/", v.CountCancel.as_view(), name="count-cancel"),
    path(S + "transfers/", v.TransferList.as_view(), name="transfer-list"),
    path(S + "transfers/<int:pk>/", v.TransferDetail.as_view(), name="transfer-detail"),
    path(S + "transfers/<int:pk>/ship/", v.TransferShip.as_view(), name="transfer-ship"),
    path(S + "transfers/<int:pk>/receive/", v.TransferReceive.as_view(), name="transfer-receive"),
    path(S + "transfers/<int:pk>/cancel/", v.TransferCancel.as_view(), name="transfer-cancel"),
    path(S + "purchase-orders/", v.PurchaseOrderList.as_view(), name="purchase-order-list"),
    path(S + "purchase-orders/<int:pk>/", v.PurchaseOrderDetail.as_view(), name="purchase-order-detail"),
    path(S + "purchase-orders/<int:pk>/order/", v.PurchaseOrderPlace.as_view(), name="purchase-order-place"),
    path(S + "purchase-orders/<int:pk>/receive/", v.PurchaseOrderReceive.as_view(), name="purchase-order-receive"),
    path(S + "purchase-orders/<int:pk>/cancel/", v.PurchaseOrderCancel.as_view(), name="purchase-order-cancel"),
    path(S + "movements/", v.MovementList.as_view(), name="movement-list"),
]
