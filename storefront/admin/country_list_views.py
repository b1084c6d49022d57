"""K3/K10: the country lists the provider maintains as data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from catalog import country_lists
from catalog.models import CountryListEntry
from checkout.rules.k03_tax_id import describe
from checkout.validators.tax_id import known_format
from persistence import db
from storefront import consequences
from storefront.admin import bp
from storefront.confirmation import unconfirmed
from storefront.forms import CountryEntryForm
from storefront.security import admin_only

LIST_TITLES = {"k3": "K3 · Tax ID (INN) required", "k10": "K10 · No Azure reservations"}


@bp.route("/country-lists", methods=["GET", "POST"])
@admin_only
def country_lists_page():
    """The K3 and K10 country lists are data the provider maintains, not code."""
    country_lists.ensure_seeded()
    form = CountryEntryForm()
    if form.validate_on_submit():
        error = _add_country(form)
        if error is None:
            return redirect(url_for("admin.country_lists_page") + f"#{form.list_name.data}")
        form.code.errors.append(error)
    lists = {name: country_lists.entries(name) for name in LIST_TITLES}
    return render_template("admin/country_lists.html", lists=lists, titles=LIST_TITLES,
                           form=form, tax_format=_tax_format), 422 if form.errors else 200


def _tax_format(entry) -> str:
    """How checkout checks a K3 country's tax ID, in words; a format name checkout does not
    know (typed before the form offered a choice) is named so the admin can replace it."""
    if not known_format(entry.validator):
        return (f"Unknown format {entry.validator!r}: checkout uses the country's own "
                f"({describe(entry.code)}); remove the country and add it again with a format "
                "from the list to choose another.")
    return describe(entry.code, entry.validator or None)


def _add_country(form) -> str | None:
    code = form.code.data.strip().upper()
    name = next((label for value, label in form.country_options() if value == code), None)
    if name is None:
        return "Unknown country code."
    error = country_lists.add_entry(form.list_name.data, code, name,
                                    form.required_from.data, form.validator.data)
    if error is not None:
        return error
    flash(f"{name} added to {LIST_TITLES[form.list_name.data]}.", "success")
    return None


@bp.route("/country-lists/<int:entry_id>/delete", methods=["POST"])
@admin_only
def country_list_remove(entry_id: int):
    entry = db.session.get(CountryListEntry, entry_id) or abort(404)
    if page := unconfirmed(consequences.remove_country(entry, LIST_TITLES[entry.list_name])):
        return page
    country_lists.remove_entry(entry)
    flash(f"{entry.name} removed from {LIST_TITLES[entry.list_name]}.", "info")
    return redirect(url_for("admin.country_lists_page") + f"#{entry.list_name}")
