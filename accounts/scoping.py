"""Who may see what: every customer query starts from `visible_customers`, so a reseller's
users reach only that reseller's customers and a customer user only its own company."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from accounts.models import APPROVED, Customer, CustomerQualification, User
from persistence.search import contains


def name_contains(text: str):
    """The search boxes' condition: the company name contains the text, any case."""
    return contains(Customer.company_name, text)


def visible_customers(user: User):
    """A select() of the customers this user may see; every customer query starts here."""
    query = select(Customer)
    if user.is_provider_admin:
        return query
    if user.is_reseller:
        return query.where(Customer.reseller_id == user.reseller_id)
    return query.where(Customer.id == user.customer_id)


@dataclass(frozen=True, slots=True)
class BuyerFacts:
    """What the shop needs of the customer it prices for: its market and locale, and the
    segments it is qualified for (K7)."""

    id: int
    company_name: str
    country: str
    language: str
    qualified: frozenset[str]


class UserOfKind(NamedTuple):
    """A user of one kind whose ids are statement parameters (`scope_parameters`), so
    `visible_customers` itself builds the statement every user of that kind shares: built
    once, not per request (#27)."""

    is_provider_admin: bool
    is_reseller: bool
    reseller_id: object = bindparam("reseller_id")
    customer_id: object = bindparam("own_customer_id")


def scope_parameters(user: User) -> dict:
    """The values of a UserOfKind statement's parameters for this user."""
    return {"reseller_id": user.reseller_id, "own_customer_id": user.customer_id}


def buyer_facts(session: Session, user: User, customer_id: int) -> BuyerFacts | None:
    """The facts of a customer this user may see, None for any other. One prebuilt
    statement of plain columns: the shop asks on every page, and loading the customer with
    its qualifications as entities was a sixth of a cached page (#27)."""
    row = session.connection().execute(
        _buyer_statement(user.is_provider_admin, user.is_reseller),
        {"id": customer_id, **scope_parameters(user)}).first()
    if row is None:
        return None
    segments = frozenset(filter(None, (row.segments or "").split(",")))
    return BuyerFacts(row.id, row.company_name, row.country, row.language, segments)


@cache  # one per kind of user, built on first use when every model is mapped
def _buyer_statement(is_provider_admin: bool, is_reseller: bool):
    approved = select(func.aggregate_strings(CustomerQualification.segment, ",")).where(
        CustomerQualification.customer_id == Customer.id,
        CustomerQualification.status == APPROVED).scalar_subquery()
    return visible_customers(UserOfKind(is_provider_admin, is_reseller)).with_only_columns(
        Customer.id, Customer.company_name, Customer.country, Customer.language,
        approved.label("segments")).where(Customer.id == bindparam("id"))


def picker_rows(session: Session, user: User) -> list:
    """A reseller's customers as its "Buying for" choices: id, name and country, by name."""
    return session.connection().execute(_picker_statement(), scope_parameters(user)).all()


@cache
def _picker_statement():
    return visible_customers(UserOfKind(False, True)).with_only_columns(
        Customer.id, Customer.company_name, Customer.country).order_by(Customer.company_name)


def customers_by_country(session: Session) -> dict[str, int]:
    """How many active customers each country has (the provider's view of its markets)."""
    return dict(session.execute(
        select(Customer.country, func.count()).where(Customer.active.is_(True))
        .group_by(Customer.country)).all())
