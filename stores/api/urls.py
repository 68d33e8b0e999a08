from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.Me.as_view(), name="me"),
    path("regions/", views.RegionList.as_view(), name="region-list"),
    path("stores/", views.StoreList.as_view(), name="store-list"),
    path("stores/<str:store_code>/", views.StoreDetail.as_view(), name="store-detail"),
    path("stores/<str:store_code>/devices/", views.DeviceListCreate.as_view(), name="device-list"),
    path("stores/<str:store_code>/devices/<int:pk>/revoke/", views.DeviceRevoke.as_view(), name="device-revoke"),
]
