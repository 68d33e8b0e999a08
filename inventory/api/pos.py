"""POS endpoints: post sales (one or a batch), read them back, look up stock."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from inventory import ingest, selectors
from inventory.models import Product, QuarantinedLine, QuarantineStatus, Sale, SaleLine
from inventory.sale_input import InvalidSale, parse_batch
from retail.api.errors import InvalidInput
from retail.api.pagination import DefaultPagination
from stores.access import Action, DevicePrincipal
from stores.api.base import CompanyScopedAPIView, StoreScopedAPIView, StoreScopedReadOnlyViewSet

from . import pos_serializers as s


def _principal(request):
    if isinstance(request.user, DevicePrincipal):
        return request.user.device, None
    return None, request.user


class SaleListCreate(StoreScopedAPIView):
    """POST one sale (idempotent on ``pos_sale_id``); GET the store's recent sales."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    store_actions = {"GET": Action.VIEW_STOCK, "POST": Action.POST_SALE}

    @extend_schema(request=s.SaleIn, responses={201: s.SaleResultOut, 200: s.SaleResultOut})
    def post(self, request, store_code: str) -> Response:
        device, user = _principal(request)
        [result] = ingest.ingest_sales(store=self.store, raw_sales=[request.data], device=device, user=user)
        if result.status == ingest.ERROR:
            raise InvalidInput(result.errors)
        code = status.HTTP_201_CREATED if result.status == ingest.CREATED else status.HTTP_200_OK
        return Response(result.as_dict(), status=code)

    @extend_schema(
        responses=s.SaleOut(many=True),
        parameters=[OpenApiParameter("business_day", str, description="YYYY-MM-DD")],
    )
    def get(self, request, store_code: str) -> Response:
        sales = Sale.objects.for_store(self.store).order_by("-sold_at")
        day = request.query_params.get("business_day")
        if day:
            from django.utils.dateparse import parse_date

            try:
                parsed = parse_date(day)
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValidationError({"business_day": ["must be a date YYYY-MM-DD"]})
            sales = sales.filter(business_day=parsed)
        sales = sales.prefetch_related(
            Prefetch("lines", SaleLine.objects.select_related("product").order_by("line_no"))
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(sales, request, view=self)
        return paginator.get_paginated_response(s.SaleOut(page, many=True).data)


class SaleBatch(StoreScopedAPIView):
    """POST up to 500 sales; each answers ``created``, ``duplicate`` or ``error``.
    The response is 200 even when some sales have errors: the caller reads per sale."""

    store_actions = {"POST": Action.POST_SALE}

    @extend_schema(request=s.SaleBatchIn, responses={200: s.BatchResultOut})
    def post(self, request, store_code: str) -> Response:
        try:
            raw = parse_batch(request.data)
        except InvalidSale as exc:
            raise ValidationError({e["field"]: [e["message"]] for e in exc.errors}, code=exc.errors[0]["code"]) from exc
        device, user = _principal(request)
        results = ingest.ingest_sales(store=self.store, raw_sales=raw, device=device, user=user)
        counts = {ingest.CREATED: 0, ingest.DUPLICATE: 0, ingest.ERROR: 0}
        for result in results:
            counts[result.status] += 1
        return Response({**counts, "results": [r.as_dict() for r in results]})


class SaleDetail(StoreScopedReadOnlyViewSet):
    store_actions = {"GET": Action.VIEW_STOCK}
    matrix_object = "sale"
    serializer_class = s.SaleOut

    def get_queryset(self):
        return Sale.objects.for_store(self.store).prefetch_related(
            Prefetch("lines", SaleLine.objects.select_related("product").order_by("line_no"))
        )


class StockList(StoreScopedAPIView):
    pagination_class = DefaultPagination  # documents the page envelope in the schema
    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(
        responses=s.StockLevelOut(many=True),
        parameters=[
            OpenApiParameter("search", str, description="SKU prefix, name or exact barcode"),
            OpenApiParameter("status", str, enum=sorted(selectors.STATUS_FILTERS)),
        ],
    )
    def get(self, request, store_code: str) -> Response:
        status_filter = request.query_params.get("status", "")
        if status_filter and status_filter not in selectors.STATUS_FILTERS:
            raise ValidationError({"status": [f"must be one of {sorted(selectors.STATUS_FILTERS)}"]})
        levels = selectors.stock_levels(
            self.store, search=request.query_params.get("search", "")[:64], status=status_filter
        )
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(levels, request, view=self)
        return paginator.get_paginated_response(s.StockLevelOut(page, many=True).data)


class StockLookup(StoreScopedAPIView):
    """Stock of one product by SKU or barcode here, and in the other stores of the region."""

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses=s.StockLookupOut, parameters=[OpenApiParameter("code", str, required=True)])
    def get(self, request, store_code: str) -> Response:
        code = request.query_params.get("code", "").strip()
        if not code or len(code) > 64:
            raise ValidationError({"code": ["give a SKU or barcode (at most 64 characters)"]})
        found = selectors.stock_lookup(self.store, code)
        if found is None:
            raise NotFound("no product with this SKU or barcode")
        return Response(
            {
                "sku": found.product.sku,
                "name": found.product.name,
                "price": found.product.price,
                "here": s.StockLevelOut(found.here).data if found.here else None,
                "elsewhere": s.StockElsewhereOut(found.elsewhere, many=True).data,
            }
        )


class QuarantineList(CompanyScopedAPIView):
    """Lines that matched no product, waiting for head office to map their code."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": Action.MANAGE_CATALOGUE}

    @extend_schema(responses=s.QuarantinedLineOut(many=True))
    def get(self, request) -> Response:
        lines = QuarantinedLine.objects.visible_to(request.user).select_related("store", "sale").order_by("code", "pk")
        wanted = request.query_params.get("status", QuarantineStatus.OPEN)
        if wanted not in QuarantineStatus.values:
            raise ValidationError({"status": [f"must be one of {QuarantineStatus.values}"]})
        lines = lines.filter(status=wanted)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(lines, request, view=self)
        return paginator.get_paginated_response(s.QuarantinedLineOut(page, many=True).data)


class QuarantineResolve(CompanyScopedAPIView):
    """Map quarantined lines to a product and post them to stock."""

    company_actions = {"POST": Action.MANAGE_CATALOGUE}

    @extend_schema(request=s.QuarantineResolveIn, responses={200: dict})
    def post(self, request) -> Response:
        data = s.QuarantineResolveIn(data=request.data)
        data.is_valid(raise_exception=True)
        product = Product.objects.filter(sku=data.validated_data["sku"], is_active=True).first()
        if product is None:
            raise ValidationError({"sku": ["no active product with this SKU"]})
        posted = ingest.resolve_quarantine(line_ids=data.validated_data["line_ids"], product=product, user=request.user)
        return Response({"posted": posted, "sku": product.sku})
