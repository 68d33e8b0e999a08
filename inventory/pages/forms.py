"""Forms of the store workflow pages. They only parse what a person typed; every business
rule (signs, scopes, which store) stays in the service the view calls, whose ``DomainError``
is put back beside the field it names by ``stores.pages.put_errors``."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AdjustmentReason, CountScope

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
CODE = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


def category_choices(categories: Mapping[int, str]) -> list[tuple]:
    """A category select's choices: none, then the labels (``catalogue.category_labels``) A-Z."""
    return [("", "—"), *sorted(categories.items(), key=lambda item: item[1])]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reject the selected, because"),
        max_length=300,
        error_messages={"required": _("Say why, so the engine does not propose it again.")},
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. promotion ended, shelf full"), "data-enter-clicks": "reject-button"}
        ),
    )


class OpenCountForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What to count"), choices=CountScope.choices, initial=CountScope.STORE, widget=forms.RadioSelect
    )
    category = forms.TypedChoiceField(
        label=_("Category (for a category count)"), required=False, coerce=int, empty_value=None
    )
    skus = forms.CharField(
        label=_("SKUs or barcodes (for a list count), separated by spaces or lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **CODE}),
    )
    blind = forms.BooleanField(label=_("Blind count (counters do not see the expected quantity)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, categories: Mapping[int, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Scan a barcode or type a SKU, then Enter"),
        required=False,
        widget=forms.TextInput(attrs={"class": "scan-field", "data-scan-field": True, **CODE}),
    )
    quantity = forms.CharField(
        label=_("Quantity (empty = one more)"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )


class TransferRequestForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("to", _("Send from here to")), ("from", _("Ask to receive here from"))],
        initial="to",
        widget=forms.RadioSelect,
    )
    other_store = forms.ChoiceField(label=_("Other store"))
    lines = forms.CharField(
        label=_("Products: one per line, SKU or barcode then quantity"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "SKU00042 6", **CODE}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, stores: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other_store"].choices = [("", "—"), *stores]


class AdjustmentForm(forms.Form):
    code = forms.CharField(
        label=_("Product (scan a barcode or type a SKU)"),
        max_length=64,
        widget=forms.TextInput(attrs={"data-scan-field": True, **CODE}),
    )
    quantity = forms.CharField(
        label=_("Quantity (negative removes stock)"), max_length=20, widget=forms.TextInput(attrs=NUMBER)
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=AdjustmentReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
