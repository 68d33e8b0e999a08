"""Stores, regions, POS devices, and "who am I"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from stores import credentials
from stores.access import Action, DevicePrincipal, stores_visible_to
from stores.api.base import CompanyScopedAPIView, StoreScopedAPIView
from stores.models import Membership, PosDevice, Region
from stores.scoping import StoreScopedQuerySet

from . import serializers as s


class StoreList(CompanyScopedAPIView):
    """The stores the caller may see."""

    company_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=s.StoreOut(many=True))
    def get(self, request) -> Response:
        stores = stores_visible_to(request.user).select_related("region").order_by("code")
        return Response(s.StoreOut(stores, many=True).data)


class RegionList(CompanyScopedAPIView):
    company_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=s.RegionOut(many=True))
    def get(self, request) -> Response:
        regions = Region.objects.filter(stores__in=stores_visible_to(request.user)).distinct().order_by("code")
        return Response(s.RegionOut(regions, many=True).data)


class StoreDetail(StoreScopedAPIView):
    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=s.StoreOut)
    def get(self, request, store_code: str) -> Response:
        return Response(s.StoreOut(self.store).data)


def _devices(store) -> StoreScopedQuerySet:
    return PosDevice.objects.filter(store=store).select_related("store").order_by("name")


class DeviceListCreate(StoreScopedAPIView):
    """A store's tills. Creating one returns its key once; only a hash is kept."""

    store_actions = {"GET": Action.MANAGE_DEVICES, "POST": Action.MANAGE_DEVICES}

    @extend_schema(responses=s.DeviceOut(many=True))
    def get(self, request, store_code: str) -> Response:
        return Response(s.DeviceOut(_devices(self.store), many=True).data)

    @extend_schema(request=s.DeviceIn, responses={201: s.DeviceIssuedOut})
    def post(self, request, store_code: str) -> Response:
        data = s.DeviceIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = credentials.issue_device(store=self.store, name=data.validated_data["name"], created_by=request.user)
        body = s.DeviceOut(issued.credential).data
        return Response({**body, "key": issued.key}, status=status.HTTP_201_CREATED)


class DeviceRevoke(StoreScopedAPIView):
    store_actions = {"POST": Action.MANAGE_DEVICES}
    matrix_object = "device"

    @extend_schema(request=None, responses=s.DeviceOut)
    def post(self, request, store_code: str, pk: int) -> Response:
        device = _devices(self.store).filter(pk=pk).first()
        if device is None:
            from django.http import Http404

            raise Http404
        credentials.revoke(device, actor=request.user)
        return Response(s.DeviceOut(device).data)


class Me(APIView):
    """The caller and their grants. Unscoped on purpose: it shows only the caller."""

    unscoped = True

    @extend_schema(responses=s.MeOut)
    def get(self, request) -> Response:
        user = request.user
        if isinstance(user, DevicePrincipal):
            return Response(
                {
                    "username": user.username,
                    "kind": "device",
                    "store": user.device.store.code,
                    "grants": [{"role": "pos", "scope": "store", "target": user.device.store.code}],
                }
            )
        grants = [
            {
                "role": m.role,
                "scope": m.scope,
                "target": (m.store.code if m.store else m.region.code if m.region else None),
            }
            for m in Membership.objects.filter(user=user).select_related("store", "region")
        ]
        if user.is_superuser:
            grants.append({"role": "admin", "scope": "company", "target": None})
        return Response({"username": user.username, "kind": "user", "store": None, "grants": grants})
