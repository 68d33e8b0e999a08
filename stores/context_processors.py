from __future__ import annotations

from django.http import HttpRequest

from .access import Action, can, can_anywhere, grants_for


def current_store(request: HttpRequest) -> dict[str, object]:
    """The store being acted on (pinned by ``stores.pages.store_page``) and what the menu
    may offer the person, so every page header says where they are and what they can do."""
    user = getattr(request, "user", None)
    store = getattr(request, "store", None)
    if user is None or not user.is_authenticated:
        return {"current_store": None}
    grants = grants_for(user)
    several = grants.sees_everything or bool(grants.region_roles) or len(grants.store_roles) > 1
    nav = {
        "office": can_anywhere(user, Action.VIEW_REPORTS) and (bool(grants.company_roles) or bool(grants.region_roles)),
        "catalogue": can(user, Action.MANAGE_CATALOGUE),
        "admin": can(user, Action.MANAGE_USERS),
        "switch": several,
    }
    if store is not None:
        nav.update(
            order=can(user, Action.ORDER, store),
            receive=can(user, Action.RECEIVE, store),
            count=can(user, Action.RECORD_COUNT, store),
            adjust=can(user, Action.ADJUST_STOCK, store),
            transfer=can(user, Action.TRANSFER, store),
            devices=can(user, Action.MANAGE_DEVICES, store),
        )
    return {"current_store": store, "nav": nav}
