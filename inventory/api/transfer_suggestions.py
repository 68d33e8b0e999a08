"""Answering a transfer suggestion: accept (-> a requested transfer) or dismiss."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from inventory.models import TransferSuggestion
from inventory.replenishment import transfer_decisions
from stores.access import Action
from stores.api.base import StoreScopedAPIView

from .replenishment import TransferSuggestionOut


class AcceptIn(serializers.Serializer):
    quantity = serializers.CharField(required=False, help_text="Another quantity than suggested (optional)")


class TransferSuggestionAccept(StoreScopedAPIView):
    """POST: request the transfer the suggestion proposes (either end's manager may)."""

    store_actions = {"POST": Action.TRANSFER}
    matrix_object = "transfer_suggestion"

    @extend_schema(
        request=AcceptIn,
        responses=inline_serializer(
            "TransferSuggestionAccepted",
            {"suggestion": TransferSuggestionOut(), "transfer_id": serializers.IntegerField()},
        ),
    )
    def post(self, request, store_code: str, pk: int) -> Response:
        try:
            transfer = transfer_decisions.accept(
                store=self.store, suggestion_id=pk, user=request.user, quantity=request.data.get("quantity")
            )
        except TransferSuggestion.DoesNotExist:
            raise Http404 from None
        row = TransferSuggestion.objects.select_related("store", "to_store", "product").get(pk=pk)
        return Response({"suggestion": TransferSuggestionOut(row).data, "transfer_id": transfer.pk}, status=201)


class TransferSuggestionDismiss(StoreScopedAPIView):
    """POST: the stores keep their stock; the suggestion is closed."""

    store_actions = {"POST": Action.TRANSFER}
    matrix_object = "transfer_suggestion"

    @extend_schema(request=None, responses=TransferSuggestionOut)
    def post(self, request, store_code: str, pk: int) -> Response:
        try:
            row = transfer_decisions.dismiss(store=self.store, suggestion_id=pk, user=request.user)
        except TransferSuggestion.DoesNotExist:
            raise Http404 from None
        return Response(TransferSuggestionOut(row).data)
