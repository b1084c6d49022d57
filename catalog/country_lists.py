"""The admin-editable K3 and K10 country lists, stored in the database, seeded from config/."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.models import CountryListEntry
from config.countries import country_name, load_country_rows
from persistence import db

SEEDS = {"k3": "k3_tax_id_countries", "k10": "k10_reservation_blocked_markets"}


def ensure_seeded() -> None:
    """Copy each list's seed into the database the first time; commits only then, outside
    any order transaction (a concurrent seeding by another request is simply accepted).

    Checkout calls this once per worker and catalog version (checkout/reference.py): one
    grouped count, and no commit when nothing was added (a commit expires every loaded row,
    which the request would then read again)."""
    try:
        if _seed_missing():
            db.session.commit()
    except IntegrityError:
        db.session.rollback()


def _seed_missing() -> bool:
    present = set(db.session.scalars(select(CountryListEntry.list_name)
                                     .group_by(CountryListEntry.list_name)))
    missing = [name for name in SEEDS if name not in present]
    for list_name in missing:
        seen: set[str] = set()
        for row in load_country_rows(SEEDS[list_name]):
            code = row["code"].upper()
            if code in seen:  # several seed names can share one ISO code (e.g. BQ)
                continue
            seen.add(code)
            db.session.add(_entry(list_name, code, row))
    db.session.flush()
    return bool(missing)


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


def add_entry(list_name: str, code: str, name: str, required_from: date | None,
              validator: str | None) -> str | None:
    """Put a country on a list (the admin's edit); returns why not, or None once added."""
    if db.session.scalar(select(CountryListEntry).filter_by(list_name=list_name, code=code)):
        return f"{name} is already on that list."  # one row per list and country
    db.session.add(CountryListEntry(list_name=list_name, code=code, name=name,
                                    required_from=required_from, validator=validator or ""))
    db.session.commit()
    return None


def remove_entry(entry: CountryListEntry) -> None:
    """Take a country off its list (the admin's edit); checkouts see it on the next request."""
    db.session.delete(entry)
    db.session.commit()


def entries(list_name: str) -> list[CountryListEntry]:
    query = select(CountryListEntry).filter_by(list_name=list_name)
    return db.session.scalars(query.order_by(CountryListEntry.name)).all()


class TaxIdRow(NamedTuple):
    """One row of the K3 list as stored: checkout turns it into its own TaxIdCountry."""

    code: str
    name: str
    required_from: date
    validator: str


def tax_id_countries() -> dict[str, TaxIdRow]:
    """K3: country → when a tax id becomes required and how it is validated."""
    rows = _rows("k3", CountryListEntry.name, CountryListEntry.required_from,
                 CountryListEntry.validator)
    return {code: TaxIdRow(code, name, required or date(2020, 11, 1), validator)
            for code, name, required, validator in rows}


def reservation_blocked_markets() -> frozenset[str]:
    """K10: markets where Azure reservations cannot be sold."""
    return frozenset(code for (code,) in _rows("k10"))


def _rows(list_name: str, *columns):
    """Plain rows, not entities: ~130 of them are read whenever the catalog version
    changes (checkout/reference.py)."""
    return db.session.execute(select(CountryListEntry.code, *columns)
                              .filter_by(list_name=list_name)
                              .order_by(CountryListEntry.name)).all()
