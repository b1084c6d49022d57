"""Role guards and scoped lookups shared by every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user, login_required

from accounts.models import Customer, Role, User
from accounts.scoping import visible_customers
from persistence import MAX_ID, db


def acting_user() -> User:
    """The signed-in user itself (an AnonymousUserMixin when nobody is), not Flask-Login's
    proxy: every attribute read through `current_user` finds the request's user again
    (~4 us), and a signed-in page read it ~28 times (#27). Read it once per function."""
    return current_user._get_current_object()


def roles_required(*roles: Role) -> Callable:
    """Allow signed-in users with one of these roles; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# The guards most views share.
admin_only = roles_required(Role.PROVIDER_ADMIN)
buyers_only = roles_required(Role.RESELLER_USER, Role.CUSTOMER_USER)


def within(value: int) -> int:
    """Ids beyond what the database holds cannot exist (e.g. a hand-edited ?customer=):
    answer 404 instead of a query PostgreSQL refuses."""
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def customer_for(user, customer_id: int, *options) -> Customer:
    """A customer the user may see, or 404 (never 403, so ids of others leak nothing);
    `options` are loader options, e.g. to load a relationship in the same query."""
    query = visible_customers(user).where(Customer.id == within(customer_id)).options(*options)
    customer = db.session.scalars(query).unique().first()
    if customer is None:
        abort(404)
    return customer


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target
