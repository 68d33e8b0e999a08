"""Forms of head office's catalogue pages (products, suppliers, CSV imports). They parse what
was typed into model values; the rules (unique SKU, barcodes, price history) stay in
``inventory.catalogue`` and ``inventory.imports``."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..catalogue import SUPPLIER_FIELDS
from ..models import Category, ImportKind, Product, Supplier, TaxClass, Unit
from .forms import CODE, NUMBER, category_choices

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=40, widget=forms.TextInput(attrs=CODE))
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.EACH)
    case_pack = forms.IntegerField(label=_("Case pack"), min_value=1, initial=1)
    cost = forms.DecimalField(label=_("Cost"), **MONEY, widget=forms.TextInput(attrs=NUMBER))
    price = forms.DecimalField(label=_("Price"), **MONEY, widget=forms.TextInput(attrs=NUMBER))
    tax_class = forms.ChoiceField(label=_("Tax class"), choices=TaxClass.choices, initial=TaxClass.STANDARD)
    barcodes = forms.CharField(
        label=_("Barcodes"),
        required=False,
        help_text=_("EAN-8, UPC-A, EAN-13 or GTIN-14, separated by spaces or lines"),
        widget=forms.Textarea(attrs={"rows": 2, **CODE}),
    )
    is_active = forms.BooleanField(label=_("Active (sold and reordered)"), required=False, initial=True)

    def __init__(self, *args, categories: dict[int, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)

    @classmethod
    def initial_for(cls, product: Product) -> dict:
        fields = ("sku", "name", "unit", "case_pack", "cost", "price", "tax_class", "is_active")
        initial = {name: getattr(product, name) for name in fields}
        initial["category"] = product.category_id
        initial["barcodes"] = " ".join(b.code for b in product.barcodes.all())
        return initial

    def changes(self) -> dict:
        """The typed values for ``catalogue.create_product``/``update_product``."""
        data = {name: value for name, value in self.cleaned_data.items() if name != "barcodes"}
        data["category"] = Category.objects.get(pk=data["category"])
        return data

    def barcode_list(self) -> list[str]:
        return [code for code in re.split(r"[\s,;]+", self.cleaned_data.get("barcodes") or "") if code]


class SupplierForm(forms.ModelForm):
    """Parses and checks field formats only: ``catalogue.save_supplier`` writes (unique code)."""

    class Meta:
        model = Supplier
        fields = list(SUPPLIER_FIELDS)  # what catalogue.save_supplier writes
        labels = {
            "code": _("Code"), "name": _("Name"), "lead_time_days": _("Lead time (days)"),
            "lead_time_sd_days": _("Lead time spread (days, one standard deviation)"),
            "min_order_value": _("Minimum order value"), "free_freight_value": _("Free freight from"),
            "contact_name": _("Contact"), "contact_email": _("Email"), "contact_phone": _("Phone"),
            "is_active": _("Active"),
        }  # fmt: skip
        widgets = {"code": forms.TextInput(attrs=CODE)}

    def validate_unique(self) -> None:
        """The service answers a taken code (the same rule for the API and the import)."""


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find by SKU, name or barcode"), required=False, max_length=100, widget=forms.SearchInput(attrs=CODE)
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV file (UTF-8, header row)"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )
