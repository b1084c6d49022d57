"""The admin-editable K3 and K10 country lists, stored in the database, seeded from config/."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from checkout.context import TaxIdCountry
from checkout.models import CountryListEntry
from config.countries import country_name, load_country_rows
from storefront.extensions import db

SEEDS = {"k3": "k3_tax_id_countries", "k10": "k10_reservation_blocked_markets"}


def ensure_seeded() -> None:
    """Copy each list's seed into the database the first time; commits, outside any order
    transaction (a concurrent seeding by another request is simply accepted)."""
    try:
        _seed_missing()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def _seed_missing() -> None:
    for list_name, seed in SEEDS.items():
        if db.session.scalar(select(func.count(CountryListEntry.id))
                             .filter_by(list_name=list_name)):
            continue
        seen: set[str] = set()
        for row in load_country_rows(seed):
            code = row["code"].upper()
            if code in seen:  # several seed names can share one ISO code (e.g. BQ)
                continue
            seen.add(code)
            db.session.add(_entry(list_name, code, row))
    db.session.flush()


def _entry(list_name: str, code: str, row: dict) -> CountryListEntry:
    required = row.get("required_from")
    return CountryListEntry(
        list_name=list_name, code=code, name=_name(code, row.get("name")),
        required_from=date.fromisoformat(required) if required else None,
        validator=row.get("validator", ""))


def _name(code: str, fallback: str | None) -> str:
    try:
        return country_name(code)
    except LookupError:
        return fallback or code


def entries(list_name: str) -> list[CountryListEntry]:
    query = select(CountryListEntry).filter_by(list_name=list_name)
    return db.session.scalars(query.order_by(CountryListEntry.name)).all()


def tax_id_countries() -> dict[str, TaxIdCountry]:
    """K3: country → when a tax id becomes required and how it is validated."""
    return {e.code: TaxIdCountry(e.code, e.name, e.required_from or date(2020, 11, 1),
                                 e.validator) for e in entries("k3")}


def reservation_blocked_markets() -> frozenset[str]:
    """K10: markets where Azure reservations cannot be sold."""
    return frozenset(e.code for e in entries("k10"))
