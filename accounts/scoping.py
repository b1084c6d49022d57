"""Who may see what: every customer query starts from `visible_customers`, so a reseller's
users reach only that reseller's customers and a customer user only its own company."""

from __future__ import annotations

from sqlalchemy import select

from accounts.models import Customer, User
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
