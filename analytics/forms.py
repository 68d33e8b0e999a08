"""Forms of the head-office pages. They parse what a person typed; scoping and the report
rules stay in ``analytics.reports`` and ``analytics.kpis``."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.access import stores_visible_to
from stores.models import Region

from .kpis import MAX_PERIOD_DAYS
from .models import ReportFormat, ReportKind

PERIOD_DAYS = 28
DATE = forms.DateInput(attrs={"type": "date"})
BAD_DATE = {"invalid": _("a date, YYYY-MM-DD")}


def scope_choices(user) -> list:
    """ "All you can see", then the regions and stores the person may see (``r:``/``s:``)."""
    stores = list(stores_visible_to(user).select_related("region").order_by("code"))
    regions = Region.objects.filter(pk__in={s.region_id for s in stores}).order_by("name")
    return [
        ("", _("Every store you can see")),
        (_("Regions"), [(f"r:{r.code}", r.name) for r in regions]),
        (_("Stores"), [(f"s:{s.code}", f"{s.code} {s.name}") for s in stores]),
    ]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.CSV)
    date_from = forms.DateField(label=_("From"), widget=DATE, error_messages=BAD_DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE, error_messages=BAD_DATE)
    scope = forms.ChoiceField(label=_("Stores"), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        end = timezone.localdate() - timedelta(days=1)
        kwargs.setdefault("initial", {"date_from": end - timedelta(days=PERIOD_DAYS - 1), "date_to": end})
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices(user)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", _("must be on or before the end"))
        elif start and end and (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("date_from", _("at most two years"))
        return data

    @property
    def region_code(self) -> str | None:
        scope = self.cleaned_data.get("scope") or ""
        return scope[2:] if scope.startswith("r:") else None

    @property
    def store_code(self) -> str | None:
        scope = self.cleaned_data.get("scope") or ""
        return scope[2:] if scope.startswith("s:") else None
