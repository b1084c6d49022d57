"""Who may see what: every customer query starts from `visible_customers`, so a reseller's
users reach only that reseller's customers and a customer user only its own company."""

from __future__ import annotations

from sqlalchemy import func, select

from accounts.models import Customer, User


def name_contains(text: str):
    """The search boxes' condition: the company name contains the text, any case."""
    return func.lower(Customer.company_name).like(f"%{text.lower()}%")


def visible_customers(user: User):
    """A select() of the customers this user may see; every customer query starts here."""
    query = select(Customer)
    if user.is_provider_admin:
        return query
    if user.is_reseller:
        return query.where(Customer.reseller_id == user.reseller_id)
    return query.where(Customer.id == user.customer_id)
