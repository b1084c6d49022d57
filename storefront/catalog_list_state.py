"""Where the admin is in the catalog list, carried through a bulk price change.

The bulk form sends the list's filters and page with the ticked products, so a refused
change shows the same list again with its ticks, what was typed and each problem, and a
saved (or cancelled) one returns to the list as the admin left it.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import url_for
from werkzeug.datastructures import MultiDict

from persistence import row_id
from storefront.catalog_forms import BulkPriceForm

FILTERS = ("q", "segment", "family", "status")
BULK_FIELDS = ("kind", "value", "market")


class ListingState(NamedTuple):
    """The list's filters and page; and, when a bulk change was refused, the ticked
    products, what was typed and the problems, shown again."""

    filters: dict[str, str]
    page: int
    chosen: frozenset[int] = frozenset()
    bulk: dict[str, str] | None = None
    problems: tuple[str, ...] = ()

    def url(self) -> str:
        """The list at these filters and page."""
        shown = {name: value for name, value in self.filters.items() if value}
        return url_for("catalog_admin.index", **shown,
                       **({"page": self.page} if self.page > 1 else {}))


def from_query(args: MultiDict, page: int) -> ListingState:
    return ListingState({name: args.get(name, "").strip() for name in FILTERS}, page)


def from_form(form: MultiDict) -> ListingState:
    """The list the bulk form was sent from (its hidden filters and page)."""
    return from_query(form, _positive_id(form.get("page", "")) or 1)


def refused(state: ListingState, form: BulkPriceForm, product_ids: list[int]
            ) -> ListingState:
    """The list again with the ticks, what was typed and each problem by its field."""
    problems = [f"{form[name].label.text}: {message}" for name in BULK_FIELDS
                for message in form[name].errors]
    if not product_ids:
        problems.insert(0, "Products: tick at least one product in the list below.")
    typed = {name: form[name].raw_data[0] if form[name].raw_data else ""
             for name in BULK_FIELDS}
    return state._replace(chosen=frozenset(product_ids), bulk=typed,
                          problems=tuple(problems or ["Check the change and try again."]))


def chosen_products(form: MultiDict) -> list[int]:
    """The ticked boxes of the list; anything not a positive id is ignored."""
    return sorted({found for raw in form.getlist("product_id")
                   if (found := _positive_id(raw))})


def _positive_id(raw: str) -> int | None:
    found = row_id(raw)
    return found if found else None  # 0 names no product
