"""Store documents that move stock: adjustments, counts, transfers, purchase orders, and the
store's movements. Everything lives under ``stores/<store_code>/``; the base class resolves
the store and checks the action, querysets go through ``for_store(self.store)`` (so another
store's document is a 404), and each write calls one domain function.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from inventory import adjustments, counts, purchasing, transfers
from inventory.models import (
    Adjustment,
    AdjustmentLine,
    CountStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReceiptLine,
    StockCount,
    StockCountLine,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
)
from retail.api.errors import DomainError
from retail.api.pagination import DefaultPagination
from stores.access import Action, can
from stores.api.base import StoreScopedAPIView

from . import document_serializers as s


def _valid(serializer_class, request):
    data = request.data if isinstance(request.data, dict) else {}
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _page(view, request, rows, serializer_class, **context):
    paginator = DefaultPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


def _status_filter(rows, request, choices):
    wanted = request.query_params.get("status")
    if wanted:
        if wanted not in choices:
            raise DomainError(f"must be one of {', '.join(choices)}", field="status", code="invalid_choice")
        rows = rows.filter(status=wanted)
    return rows


# Adjustments -----------------------------------------------------------------------------


def _adjustments(store):
    return (
        Adjustment.objects.for_store(store)
        .select_related("created_by")
        .prefetch_related(Prefetch("lines", AdjustmentLine.objects.select_related("product").order_by("product__sku")))
        .order_by("-created_at", "-pk")
    )


class AdjustmentList(StoreScopedAPIView):
    """GET the store's adjustments, newest first; POST one (posted at once)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK, "POST": Action.ADJUST_STOCK}

    @extend_schema(responses=s.AdjustmentOut(many=True))
    def get(self, request, store_code: str) -> Response:
        return _page(self, request, _adjustments(self.store), s.AdjustmentOut)

    @extend_schema(request=s.AdjustmentIn, responses={201: s.AdjustmentOut})
    def post(self, request, store_code: str) -> Response:
        data = _valid(s.AdjustmentIn, request)
        adjustment = adjustments.create_adjustment(
            store=self.store, reason=data["reason"], note=data["note"], lines=s.line_inputs(data["lines"]),
            user=request.user,
        )  # fmt: skip
        return Response(s.AdjustmentOut(_adjustments(self.store).get(pk=adjustment.pk)).data, status=201)


class AdjustmentDetail(StoreScopedAPIView):
    store_actions = {"GET": Action.VIEW_STOCK}
    matrix_object = "adjustment"

    @extend_schema(responses=s.AdjustmentOut)
    def get(self, request, store_code: str, pk: int) -> Response:
        return Response(s.AdjustmentOut(get_object_or_404(_adjustments(self.store), pk=pk)).data)


# Counts ----------------------------------------------------------------------------------


def _counts(store):
    return StockCount.objects.for_store(store).select_related("created_by", "posted_by").order_by("-created_at", "-pk")


class CountList(StoreScopedAPIView):
    """GET the store's counts (``?status=open``); POST opens one (managers)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK, "POST": Action.MANAGE_COUNT}

    @extend_schema(responses=s.CountOut(many=True), parameters=[OpenApiParameter("status", str)])
    def get(self, request, store_code: str) -> Response:
        return _page(self, request, _status_filter(_counts(self.store), request, CountStatus.values), s.CountOut)

    @extend_schema(request=s.CountOpenIn, responses={201: s.CountDetailOut})
    def post(self, request, store_code: str) -> Response:
        data = _valid(s.CountOpenIn, request)
        count = counts.open_count(
            store=self.store, scope=data["scope"], category_id=data.get("category"), skus=data.get("skus", ()),
            blind=data["blind"], note=data["note"], user=request.user,
        )  # fmt: skip
        return _count_response(self, count.pk, status.HTTP_201_CREATED)


def _count_response(view, pk: int, code: int = 200) -> Response:
    """The count with its lines; a blind count hides expected and variance from whoever may
    not manage counts here, while it is open."""
    lines = StockCountLine.objects.select_related("product").order_by("product__sku")
    count = get_object_or_404(_counts(view.store).prefetch_related(Prefetch("lines", lines)), pk=pk)
    blind = (
        count.blind and count.status == CountStatus.OPEN and not can(view.request.user, Action.MANAGE_COUNT, view.store)
    )
    return Response(s.CountDetailOut(count, context={"blind": blind}).data, status=code)


class CountDetail(StoreScopedAPIView):
    store_actions = {"GET": Action.VIEW_STOCK}
    matrix_object = "count"

    @extend_schema(responses=s.CountDetailOut)
    def get(self, request, store_code: str, pk: int) -> Response:
        return _count_response(self, pk)


class CountScan(StoreScopedAPIView):
    """POST ``{"code": SKU or barcode, "quantity"?}``: one more unit, or the counted quantity."""

    store_actions = {"POST": Action.RECORD_COUNT}
    matrix_object = "count"

    @extend_schema(request=s.ScanIn, responses={200: s.CountLineOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        count = get_object_or_404(StockCount.objects.for_store(self.store), pk=pk)
        data = _valid(s.ScanIn, request)
        line = counts.record_scan(count=count, code=data["code"], quantity=data.get("quantity"), user=request.user)
        blind = count.blind and not can(request.user, Action.MANAGE_COUNT, self.store)
        return Response(s.CountLineOut(line, context={"blind": blind}).data)


class CountPost(StoreScopedAPIView):
    """POST ``{"zero_uncounted"?: bool}``: post the variances."""

    store_actions = {"POST": Action.MANAGE_COUNT}
    matrix_object = "count"

    @extend_schema(request=s.CountPostIn, responses={200: s.CountDetailOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        count = get_object_or_404(StockCount.objects.for_store(self.store), pk=pk)
        data = _valid(s.CountPostIn, request)
        counts.post_count(count=count, user=request.user, zero_uncounted=data["zero_uncounted"])
        return _count_response(self, pk)


class CountCancel(StoreScopedAPIView):
    store_actions = {"POST": Action.MANAGE_COUNT}
    matrix_object = "count"

    @extend_schema(request=None, responses={200: s.CountDetailOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        count = get_object_or_404(StockCount.objects.for_store(self.store), pk=pk)
        counts.cancel_count(count=count, user=request.user)
        return _count_response(self, pk)


# Transfers -------------------------------------------------------------------------------


def _transfers(store):
    return (
        Transfer.objects.for_store(store)
        .select_related("store", "to_store", "requested_by", "shipped_by", "received_by")
        .prefetch_related(Prefetch("lines", TransferLine.objects.select_related("product").order_by("product__sku")))
        .order_by("-requested_at", "-pk")
    )


def _transfer_response(view, pk: int, code: int = 200) -> Response:
    transfer = _transfers(view.store).get(pk=pk)
    return Response(s.TransferOut(transfer, context={"store": view.store}).data, status=code)


class TransferList(StoreScopedAPIView):
    """GET transfers in and out of the store (``?direction=incoming|outgoing``, ``?status=``);
    POST requests one: ``to_store`` (this store sends) or ``from_store`` (this store asks)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK, "POST": Action.TRANSFER}

    @extend_schema(
        responses=s.TransferOut(many=True),
        parameters=[OpenApiParameter("direction", str, enum=["incoming", "outgoing"]), OpenApiParameter("status", str)],
    )
    def get(self, request, store_code: str) -> Response:
        rows = _status_filter(_transfers(self.store), request, TransferStatus.values)
        direction = request.query_params.get("direction")
        if direction == "incoming":
            rows = rows.filter(to_store=self.store)
        elif direction == "outgoing":
            rows = rows.filter(store=self.store)
        elif direction:
            raise DomainError("must be incoming or outgoing", field="direction", code="invalid_choice")
        return _page(self, request, rows, s.TransferOut, store=self.store)

    @extend_schema(request=s.TransferIn, responses={201: s.TransferOut})
    def post(self, request, store_code: str) -> Response:
        data = _valid(s.TransferIn, request)
        transfer = transfers.request_transfer(
            store=self.store, to_store_code=data.get("to_store"), from_store_code=data.get("from_store"),
            lines=s.line_inputs(data["lines"]), note=data["note"], user=request.user,
        )  # fmt: skip
        return _transfer_response(self, transfer.pk, status.HTTP_201_CREATED)


class TransferDetail(StoreScopedAPIView):
    store_actions = {"GET": Action.VIEW_STOCK}
    matrix_object = "transfer"

    @extend_schema(responses=s.TransferOut)
    def get(self, request, store_code: str, pk: int) -> Response:
        transfer = get_object_or_404(_transfers(self.store), pk=pk)
        return Response(s.TransferOut(transfer, context={"store": self.store}).data)


class TransferShip(StoreScopedAPIView):
    """POST ``{"lines"?: [{"sku", "quantity"}]}`` (the sender): ship, optionally other quantities."""

    store_actions = {"POST": Action.TRANSFER}
    matrix_object = "transfer"

    @extend_schema(request=s.TransferQuantitiesIn, responses={200: s.TransferOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        transfer = get_object_or_404(Transfer.objects.for_store(self.store), pk=pk)
        data = _valid(s.TransferQuantitiesIn, request)
        transfers.ship_transfer(
            store=self.store, transfer=transfer, lines=s.line_inputs(data.get("lines")), user=request.user
        )
        return _transfer_response(self, pk)


class TransferReceive(StoreScopedAPIView):
    """POST ``{"lines"?: [{"sku", "quantity"}]}`` (the receiver): received quantities."""

    store_actions = {"POST": Action.RECEIVE}
    matrix_object = "transfer"

    @extend_schema(request=s.TransferQuantitiesIn, responses={200: s.TransferOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        transfer = get_object_or_404(Transfer.objects.for_store(self.store), pk=pk)
        data = _valid(s.TransferQuantitiesIn, request)
        transfers.receive_transfer(
            store=self.store, transfer=transfer, lines=s.line_inputs(data.get("lines")), user=request.user
        )
        return _transfer_response(self, pk)


class TransferCancel(StoreScopedAPIView):
    store_actions = {"POST": Action.TRANSFER}
    matrix_object = "transfer"

    @extend_schema(request=None, responses={200: s.TransferOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        transfer = get_object_or_404(Transfer.objects.for_store(self.store), pk=pk)
        transfers.cancel_transfer(store=self.store, transfer=transfer, user=request.user)
        return _transfer_response(self, pk)


# Purchase orders -------------------------------------------------------------------------


def _orders(store):
    return (
        PurchaseOrder.objects.for_store(store)
        .select_related("supplier", "created_by", "ordered_by")
        .prefetch_related(
            Prefetch("lines", PurchaseOrderLine.objects.select_related("product").order_by("product__sku"))
        )
        .order_by("-created_at", "-pk")
    )


def _order_response(view, pk: int, code: int = 200) -> Response:
    return Response(s.PurchaseOrderOut(_orders(view.store).get(pk=pk)).data, status=code)


class PurchaseOrderList(StoreScopedAPIView):
    """GET the store's purchase orders (``?status=``); POST a draft."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK, "POST": Action.ORDER}

    @extend_schema(responses=s.PurchaseOrderOut(many=True), parameters=[OpenApiParameter("status", str)])
    def get(self, request, store_code: str) -> Response:
        rows = _status_filter(_orders(self.store), request, PurchaseOrderStatus.values)
        return _page(self, request, rows, s.PurchaseOrderOut)

    @extend_schema(request=s.PurchaseOrderIn, responses={201: s.PurchaseOrderOut})
    def post(self, request, store_code: str) -> Response:
        data = _valid(s.PurchaseOrderIn, request)
        order = purchasing.create_purchase_order(
            store=self.store, supplier_code=data["supplier"], lines=s.line_inputs(data["lines"]), note=data["note"],
            user=request.user,
        )  # fmt: skip
        return _order_response(self, order.pk, status.HTTP_201_CREATED)


class PurchaseOrderDetail(StoreScopedAPIView):
    store_actions = {"GET": Action.VIEW_STOCK}
    matrix_object = "purchase_order"

    @extend_schema(responses=s.PurchaseOrderOut)
    def get(self, request, store_code: str, pk: int) -> Response:
        return Response(s.PurchaseOrderOut(get_object_or_404(_orders(self.store), pk=pk)).data)


class PurchaseOrderPlace(StoreScopedAPIView):
    """POST: draft -> ordered."""

    store_actions = {"POST": Action.ORDER}
    matrix_object = "purchase_order"

    @extend_schema(request=None, responses={200: s.PurchaseOrderOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        order = get_object_or_404(PurchaseOrder.objects.for_store(self.store), pk=pk)
        purchasing.place_order(order=order, user=request.user)
        return _order_response(self, pk)


class PurchaseOrderReceive(StoreScopedAPIView):
    """POST ``{"lines": [{"sku", "quantity", "unit_cost"?}], "note"?}``: one delivery."""

    store_actions = {"POST": Action.RECEIVE}
    matrix_object = "purchase_order"

    @extend_schema(request=s.ReceiveIn, responses={201: dict})
    def post(self, request, store_code: str, pk: int) -> Response:
        order = get_object_or_404(PurchaseOrder.objects.for_store(self.store), pk=pk)
        data = _valid(s.ReceiveIn, request)
        receipt = purchasing.receive_order(
            order=order, lines=s.line_inputs(data["lines"]), note=data["note"], user=request.user
        )
        receipt_lines = ReceiptLine.objects.filter(receipt=receipt).select_related("product").order_by("product__sku")
        body = {
            "receipt": {**s.ReceiptOut(receipt).data, "lines": s.ReceiptLineOut(receipt_lines, many=True).data},
            "over_received": receipt.over_received,
            "purchase_order": s.PurchaseOrderOut(_orders(self.store).get(pk=pk)).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class PurchaseOrderCancel(StoreScopedAPIView):
    store_actions = {"POST": Action.ORDER}
    matrix_object = "purchase_order"

    @extend_schema(request=None, responses={200: s.PurchaseOrderOut})
    def post(self, request, store_code: str, pk: int) -> Response:
        order = get_object_or_404(PurchaseOrder.objects.for_store(self.store), pk=pk)
        purchasing.cancel_order(order=order, user=request.user)
        return _order_response(self, pk)


# Movements -------------------------------------------------------------------------------


class MovementList(StoreScopedAPIView):
    """GET the store's ledger, newest first: ``?sku=``, ``?kind=``, ``?date_from=``/``?date_to=``
    (business days, inclusive)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(
        responses=s.MovementOut(many=True),
        parameters=[
            OpenApiParameter("sku", str),
            OpenApiParameter("kind", str),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
        ],
    )
    def get(self, request, store_code: str) -> Response:
        params = s.MovementFilterIn(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        rows = StockMovement.objects.for_store(self.store).select_related("product", "user")
        if wanted.get("sku"):
            rows = rows.filter(product__sku=wanted["sku"])
        if wanted.get("kind"):
            rows = rows.filter(kind=wanted["kind"])
        if wanted.get("date_from"):
            rows = rows.filter(business_day__gte=wanted["date_from"])
        if wanted.get("date_to"):
            rows = rows.filter(business_day__lte=wanted["date_to"])
        return _page(self, request, rows.order_by("-occurred_at", "-pk"), s.MovementOut)
