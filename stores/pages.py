"""The one way a server-rendered page is scoped: by the store in its URL, or company-wide.

Pages never look a store up themselves. ``store_page`` resolves the URL's store through
:func:`stores.access.resolve_store` (another store's page is a 404, as in the API) and
pins it on the request so the header always shows which store the person is acting on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .access import Action, can, can_anywhere, resolve_store

View = Callable[..., HttpResponse]


def store_page(action: str = Action.VIEW_STOCK) -> Callable[[View], View]:
    """Decorate ``view(request, store, ...)`` reached as ``/s/<store_code>/...``."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, store_code: str, *args, **kwargs) -> HttpResponse:
            store = resolve_store(request.user, store_code, action)
            request.store = store
            request.store_code = store.code
            return view(request, store, *args, **kwargs)

        return wrapper

    return decorator


def office_page(action: str = Action.VIEW_REPORTS) -> Callable[[View], View]:
    """Decorate a head-office page: the person needs ``action`` somewhere (its data is
    then narrowed to what they may see by the selectors, e.g. ``kpis.scoped_stores``).
    A company action (catalogue, users, audit) needs a company-wide grant: an admin role
    held for one store does not open the catalogue."""
    company = action in Action.COMPANY_ACTIONS

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not (can(request.user, action) if company else can_anywhere(request.user, action)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def field_errors(error) -> dict[str, list[str]]:
    """A service's ``DomainError``/``InvalidInput`` as ``{field: [messages]}`` for a form, so
    each message is shown beside its field ("" for the form as a whole)."""
    errors: dict[str, list[str]] = {}
    for item in error.as_detail():
        errors.setdefault(item.get("field") or "", []).append(item["message"])
    return errors


def line_index(field: str) -> int | None:
    """The document line a service's error names (``lines[2].quantity`` -> 2), else None."""
    return int(field[6 : field.index("]")]) if field.startswith("lines[") else None


def errors_by_line(error, rows, *, keep: tuple[str, ...] = ()) -> dict:
    """A service's errors keyed by the page row whose box was typed in (``lines[i]`` ->
    ``rows[i].pk``); fields in ``keep`` keep their name, anything else goes on top ("")."""
    errors: dict = {}
    for field, texts in field_errors(error).items():
        index = line_index(field)
        key: object = field if field in keep else ""
        if index is not None:
            key = rows[index].pk if index < len(rows) else ""
        errors.setdefault(key, []).extend(texts)
    return errors


def put_errors(form, error) -> None:
    """Show a service's ``DomainError`` beside the form field it names (``barcodes[1]`` goes
    beside ``barcodes``); an error naming no field of the form goes on top of it."""
    for name, messages in field_errors(error).items():
        target = name.split("[", 1)[0].split(".", 1)[0]
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
