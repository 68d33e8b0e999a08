"""Base views for the API: the tenant is resolved here, once, and nowhere else.

Every API view declares what it needs, and the isolation matrix test
(``stores/tests/test_isolation_matrix.py``) reads the same declaration:

- store-scoped views live under ``stores/<store_code>/`` and set ``store_actions``
  (HTTP method -> :class:`~stores.access.Action`); :meth:`initial` resolves
  ``self.store`` (404 for a store the caller cannot see, 403 for a seen store whose role
  lacks the action). Querysets below go through ``for_store(self.store)``; an object of
  another store is therefore a 404 as well. ``matrix_object`` names the kind of object a
  detail route's ``pk`` refers to (a builder in the matrix test's world).
- company-scoped views (catalogue, users, integrations, cross-store reports) set
  ``company_actions``; their querysets use ``visible_to(request.user)`` when they list
  store-owned rows.
"""

from __future__ import annotations

from typing import ClassVar

from rest_framework import generics, mixins, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from stores.access import Action, can, can_anywhere, require_company, resolve_store
from stores.models import Store


class StoreScopedMixin:
    store_actions: ClassVar[dict[str, str]] = {}
    matrix_object: ClassVar[str | None] = None
    store: Store

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = self.store_actions.get(request.method) or self.store_actions.get("GET")
        if action is None:
            raise AssertionError(f"{type(self).__name__} declares no store action for {request.method}")
        self.store = resolve_store(request.user, kwargs["store_code"], action)
        request._request.store_code = self.store.code


class CompanyScopedMixin:
    """Company-wide actions need a company grant. A store-level action here (e.g. reading
    KPIs across stores) needs the grant somewhere, and the rows are then filtered by
    ``visible_to(request.user)``."""

    company_actions: ClassVar[dict[str, str]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = self.company_actions.get(request.method) or self.company_actions.get("GET")
        if action is None:
            raise AssertionError(f"{type(self).__name__} declares no company action for {request.method}")
        if action in Action.STORE_ACTIONS:
            if not can_anywhere(request.user, action):
                raise PermissionDenied()
        else:
            require_company(request.user, action)


class StoreScopedAPIView(StoreScopedMixin, APIView):
    pass


class StoreScopedGenericView(StoreScopedMixin, generics.GenericAPIView):
    pass


class StoreScopedReadOnlyViewSet(StoreScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class StoreScopedModelViewSet(
    StoreScopedMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create/list/retrieve; state changes are explicit actions, not PATCHes."""


class CompanyScopedAPIView(CompanyScopedMixin, APIView):
    pass


class CompanyScopedViewSet(CompanyScopedMixin, viewsets.ModelViewSet):
    pass


class CompanyScopedReadOnlyViewSet(CompanyScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


__all__ = [
    "CompanyScopedAPIView",
    "CompanyScopedMixin",
    "CompanyScopedReadOnlyViewSet",
    "CompanyScopedViewSet",
    "StoreScopedAPIView",
    "StoreScopedGenericView",
    "StoreScopedMixin",
    "StoreScopedModelViewSet",
    "StoreScopedReadOnlyViewSet",
    "can",
]
