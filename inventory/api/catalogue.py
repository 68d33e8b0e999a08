"""Catalogue API (products, price history, categories, suppliers, supplier terms), CSV
imports and the stock export, and the webhook endpoints with their delivery log.

Reading the catalogue needs ``VIEW_STOCK`` somewhere (every person and the POS); writing
it needs ``MANAGE_CATALOGUE``; webhooks need ``MANAGE_INTEGRATIONS``. Each view parses,
authorises (the base classes), calls one domain function and renders.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from inventory import catalogue, exports, imports, selectors, webhooks
from inventory.models import (
    Category,
    ImportJob,
    ImportKind,
    Product,
    ProductSupplier,
    Supplier,
    WebhookDelivery,
    WebhookEndpoint,
)
from retail.api.pagination import DefaultPagination
from retail.api.parsers import JSONParser
from stores.access import Action
from stores.api.base import CompanyScopedAPIView, StoreScopedAPIView

from . import catalogue_serializers as s

READ = Action.VIEW_STOCK
WRITE = Action.MANAGE_CATALOGUE


def _page(view, request, rows, serializer, context=None):
    paginator = DefaultPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context=context or {}).data)


def _valid(serializer_class, data, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ProductFilter(django_filters.FilterSet):
    """``?search=`` SKU prefix, name part or exact barcode; ``?category=<id>`` includes
    the subtree; ``?active=true``; ``?supplier=<code>``."""

    search = django_filters.CharFilter(method="filter_search", max_length=64)
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), method="filter_category")
    active = django_filters.BooleanFilter(field_name="is_active")
    supplier = django_filters.CharFilter(method="filter_supplier", max_length=32)

    class Meta:
        model = Product
        fields = ["search", "category", "active", "supplier"]

    def filter_search(self, queryset, name, value):
        return selectors.search_products(queryset, value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__path__startswith=value.path)

    def filter_supplier(self, queryset, name, value):
        return queryset.filter(pk__in=ProductSupplier.objects.filter(supplier__code=value).values("product_id"))


def products_for_listing():
    return Product.objects.prefetch_related(
        "barcodes",
        Prefetch("supplier_terms", ProductSupplier.objects.select_related("supplier").order_by("-is_primary")),
    ).order_by("sku")


def _product_out(product_id: int) -> dict:
    product = products_for_listing().get(pk=product_id)
    return s.ProductOut(product, context={"category_labels": catalogue.category_labels()}).data


class ProductList(CompanyScopedAPIView):
    """GET the catalogue (filters: search, category, active, supplier; paginated);
    POST a product with its barcodes."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": READ, "POST": WRITE}

    @extend_schema(
        responses=s.ProductOut(many=True),
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("category", int),
            OpenApiParameter("active", bool),
            OpenApiParameter("supplier", str),
        ],
    )
    def get(self, request) -> Response:
        filters = ProductFilter(request.query_params, queryset=products_for_listing())
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        return _page(self, request, filters.qs, s.ProductOut, {"category_labels": catalogue.category_labels()})

    @extend_schema(request=s.ProductIn, responses={201: s.ProductOut})
    def post(self, request) -> Response:
        data = _valid(s.ProductIn, request.data)
        barcodes = data.pop("barcodes", [])
        product = catalogue.create_product(data=data, barcodes=barcodes, user=request.user)
        return Response(_product_out(product.pk), status=status.HTTP_201_CREATED)


class ProductDetail(CompanyScopedAPIView):
    """GET one product; PATCH any field (``barcodes`` replaces the list; a new cost or
    price is recorded in the price history)."""

    company_actions = {"GET": READ, "PATCH": WRITE}
    matrix_object = "product"

    @extend_schema(responses=s.ProductOut)
    def get(self, request, pk: int) -> Response:
        get_object_or_404(Product, pk=pk)
        return Response(_product_out(pk))

    @extend_schema(request=s.ProductIn, responses=s.ProductOut)
    def patch(self, request, pk: int) -> Response:
        get_object_or_404(Product, pk=pk)
        data = _valid(s.ProductIn, request.data, partial=True)
        barcodes = data.pop("barcodes", None)
        catalogue.update_product(product_id=pk, changes=data, barcodes=barcodes, user=request.user)
        return Response(_product_out(pk))


class PriceHistory(CompanyScopedAPIView):
    """GET the product's cost and price changes, newest first."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": READ}
    matrix_object = "product"

    @extend_schema(responses=s.PriceChangeOut(many=True))
    def get(self, request, pk: int) -> Response:
        product = get_object_or_404(Product, pk=pk)
        return _page(self, request, catalogue.price_history(product), s.PriceChangeOut)


class ProductTerms(CompanyScopedAPIView):
    """GET the product's suppliers and their terms; POST one supplier's terms (created
    or changed; ``is_primary`` demotes the previous primary supplier)."""

    company_actions = {"GET": READ, "POST": WRITE}
    matrix_object = "product"

    @extend_schema(responses=s.TermsOut(many=True))
    def get(self, request, pk: int) -> Response:
        product = get_object_or_404(Product, pk=pk)
        rows = product.supplier_terms.select_related("supplier").order_by("-is_primary", "supplier__code")
        return Response(s.TermsOut(rows, many=True).data)

    @extend_schema(request=s.TermsIn, responses={200: s.TermsOut})
    def post(self, request, pk: int) -> Response:
        product = get_object_or_404(Product, pk=pk)
        terms = catalogue.set_supplier_terms(product=product, terms=catalogue.Terms(**_valid(s.TermsIn, request.data)))
        return Response(s.TermsOut(ProductSupplier.objects.select_related("supplier").get(pk=terms.pk)).data)


class CategoryList(CompanyScopedAPIView):
    """GET the category tree in path order (each with parent, path and label); POST one."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": READ, "POST": WRITE}

    @extend_schema(responses=s.CategoryOut(many=True))
    def get(self, request) -> Response:
        context = {"category_labels": catalogue.category_labels()}
        return _page(self, request, Category.objects.order_by("path"), s.CategoryOut, context)

    @extend_schema(request=s.CategoryIn, responses={201: s.CategoryOut})
    def post(self, request) -> Response:
        data = _valid(s.CategoryIn, request.data)
        category = catalogue.create_category(name=data["name"], parent=data.get("parent"))
        category.refresh_from_db()
        body = s.CategoryOut(category, context={"category_labels": catalogue.category_labels()}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SupplierList(CompanyScopedAPIView):
    pagination_class = DefaultPagination  # documents the page envelope in the schema
    company_actions = {"GET": READ, "POST": WRITE}

    @extend_schema(responses=s.SupplierSerializer(many=True), parameters=[OpenApiParameter("search", str)])
    def get(self, request) -> Response:
        rows = selectors.search_suppliers(
            Supplier.objects.order_by("code"), request.query_params.get("search", "")[:64]
        )
        return _page(self, request, rows, s.SupplierSerializer)

    @extend_schema(request=s.SupplierSerializer, responses={201: s.SupplierSerializer})
    def post(self, request) -> Response:
        supplier = catalogue.save_supplier(data=_valid(s.SupplierSerializer, request.data))
        return Response(s.SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


class SupplierDetail(CompanyScopedAPIView):
    company_actions = {"GET": READ, "PATCH": WRITE}
    matrix_object = "supplier"

    @extend_schema(responses=s.SupplierSerializer)
    def get(self, request, pk: int) -> Response:
        return Response(s.SupplierSerializer(get_object_or_404(Supplier, pk=pk)).data)

    @extend_schema(request=s.SupplierSerializer, responses=s.SupplierSerializer)
    def patch(self, request, pk: int) -> Response:
        get_object_or_404(Supplier, pk=pk)
        supplier = catalogue.save_supplier(
            data=_valid(s.SupplierSerializer, request.data, partial=True), supplier_id=pk
        )
        return Response(s.SupplierSerializer(supplier).data)


class ImportList(CompanyScopedAPIView):
    """POST multipart ``kind`` (products, suppliers, opening_stock), ``file`` (CSV) and
    ``dry_run`` (default true): small files answer 201 finished, large ones 202 pending
    (poll the job). GET the latest jobs."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": WRITE, "POST": WRITE}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=s.ImportJobOut(many=True))
    def get(self, request) -> Response:
        rows = ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")
        return _page(self, request, rows, s.ImportJobOut)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": list(ImportKind.values)},
                    "file": {"type": "string", "format": "binary"},
                    "dry_run": {"type": "boolean"},
                },
            }
        },
        responses={201: s.ImportJobOut, 202: s.ImportJobOut},
    )
    def post(self, request) -> Response:
        dry_run = str(request.data.get("dry_run", "true")).strip().lower()
        if dry_run not in ("true", "false", "1", "0", "yes", "no"):
            raise ValidationError({"dry_run": ["true or false"]})
        job = imports.create_job(
            kind=str(request.data.get("kind", "")),
            upload=request.FILES.get("file"),
            dry_run=dry_run in ("true", "1", "yes"),
            user=request.user,
        )
        finished = job.status in ("done", "failed")
        return Response(
            s.ImportJobOut(job).data, status=status.HTTP_201_CREATED if finished else status.HTTP_202_ACCEPTED
        )


class ImportDetail(CompanyScopedAPIView):
    """GET a job: status, percent, every row error and the summary."""

    company_actions = {"GET": WRITE}
    matrix_object = "import_job"

    @extend_schema(responses=s.ImportJobOut)
    def get(self, request, pk: int) -> Response:
        return Response(s.ImportJobOut(get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)).data)


class StockExport(StoreScopedAPIView):
    """GET the store's stock levels as a streamed CSV."""

    store_actions = {"GET": Action.VIEW_STOCK}

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, store_code: str) -> StreamingHttpResponse:
        response = StreamingHttpResponse(exports.stock_levels_csv(self.store), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="stock-{self.store.code}.csv"'
        return response


class WebhookList(CompanyScopedAPIView):
    """GET the endpoints; POST one (the secret is shown in this answer only)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": Action.MANAGE_INTEGRATIONS, "POST": Action.MANAGE_INTEGRATIONS}

    @extend_schema(responses=s.WebhookEndpointOut(many=True))
    def get(self, request) -> Response:
        return _page(self, request, WebhookEndpoint.objects.order_by("pk"), s.WebhookEndpointOut)

    @extend_schema(request=s.WebhookEndpointIn, responses={201: s.WebhookEndpointOut})
    def post(self, request) -> Response:
        endpoint = webhooks.register_endpoint(**_valid(s.WebhookEndpointIn, request.data))
        body = {**s.WebhookEndpointOut(endpoint).data, "secret": endpoint.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetail(CompanyScopedAPIView):
    company_actions = {"GET": Action.MANAGE_INTEGRATIONS, "PATCH": Action.MANAGE_INTEGRATIONS}
    matrix_object = "webhook_endpoint"

    @extend_schema(responses=s.WebhookEndpointOut)
    def get(self, request, pk: int) -> Response:
        return Response(s.WebhookEndpointOut(get_object_or_404(WebhookEndpoint, pk=pk)).data)

    @extend_schema(request=s.WebhookEndpointIn, responses=s.WebhookEndpointOut)
    def patch(self, request, pk: int) -> Response:
        get_object_or_404(WebhookEndpoint, pk=pk)
        endpoint = webhooks.update_endpoint(
            endpoint_id=pk, changes=_valid(s.WebhookEndpointIn, request.data, partial=True)
        )
        return Response(s.WebhookEndpointOut(endpoint).data)


class WebhookDeliveries(CompanyScopedAPIView):
    """GET an endpoint's deliveries, newest first (``?status=failed``)."""

    pagination_class = DefaultPagination  # documents the page envelope in the schema

    company_actions = {"GET": Action.MANAGE_INTEGRATIONS}
    matrix_object = "webhook_endpoint"

    @extend_schema(responses=s.WebhookDeliveryOut(many=True), parameters=[OpenApiParameter("status", str)])
    def get(self, request, pk: int) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        rows = endpoint.deliveries.select_related("event").order_by("-pk")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in (webhooks.PENDING, webhooks.RETRYING, webhooks.DELIVERED, webhooks.FAILED):
                raise ValidationError({"status": ["pending, retrying, delivered or failed"]})
            rows = rows.filter(status=wanted)
        return _page(self, request, rows, s.WebhookDeliveryOut)


class WebhookReplay(CompanyScopedAPIView):
    """POST: send one delivery again (a new attempt, a fresh retry budget)."""

    company_actions = {"POST": Action.MANAGE_INTEGRATIONS}
    matrix_object = "webhook_delivery"

    @extend_schema(request=None, responses=s.WebhookDeliveryOut)
    def post(self, request, pk: int) -> Response:
        get_object_or_404(WebhookDelivery, pk=pk)
        webhooks.replay(delivery_ids=[pk])
        return Response(s.WebhookDeliveryOut(WebhookDelivery.objects.select_related("event").get(pk=pk)).data)
