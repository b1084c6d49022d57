"""The local customer record of an adopted Partner Center customer: created from Partner
Center's profile, or filled in where the storefront's own record lacks something.

The storefront's data wins: a matched customer's values are never overwritten, only empty
fields are filled. Qualifications are Partner Center's to say (source "partner_center").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from accounts.models import PARTNER_CENTER_QUALIFICATIONS, Customer, CustomerQualification
from connectors.partner_center.types import Address, Qualification
from connectors.partner_center.types import Customer as RemoteCustomer
from persistence import db

SOURCE = "partner_center"
QUALIFICATIONS = PARTNER_CENTER_QUALIFICATIONS


def segments(qualifications: Iterable[Qualification]) -> frozenset[str]:
    """The segments Microsoft approved for a customer."""
    return frozenset(str(QUALIFICATIONS[q.qualification.lower()]) for q in qualifications
                     if q.is_approved and q.qualification.lower() in QUALIFICATIONS)


def new_customer(remote: RemoteCustomer, reseller_id: int | None,
                 approved: frozenset[str]) -> Customer:
    """A local customer on its existing tenant, from Partner Center's profile; the caller
    commits."""
    # Without a billing address the country stays empty until the provider fills it in.
    values = {"country": ""} | _profile(remote) | _address(remote.address)
    customer = Customer(reseller_id=reseller_id, tenant_mode="existing", **_fit(values))
    # K11: Partner Center lists this tenant with this reseller (or as our own direct
    # customer): that is the proof of control.
    customer.verify_tenant(SOURCE, datetime.now(UTC))
    _qualify(customer, approved)
    db.session.add(customer)
    return customer


def refresh(customer: Customer, remote: RemoteCustomer, approved: frozenset[str]) -> bool:
    """Fill what the local record lacks and bring its qualifications up to date; True when
    anything changed."""
    values = _profile(remote) | ({} if customer.address_line1 else _address(remote.address))
    changed = False
    for name, value in _fit(values).items():
        if value and not getattr(customer, name):
            setattr(customer, name, value)
            changed = True
    if customer.tenant_mode != "existing":  # it is on this tenant now, whatever it was
        customer.tenant_mode = "existing"
        changed = True
    if not customer.tenant_verified:  # K11: matched through Partner Center's own listing
        customer.verify_tenant(SOURCE, datetime.now(UTC))
        changed = True
    return _qualify(customer, approved) or changed


def _profile(remote: RemoteCustomer) -> dict[str, Any]:
    return {"company_name": remote.company_name or remote.domain or remote.id,
            "tenant_id": remote.id, "tenant_domain": remote.domain, "email": remote.email}


def _address(address: Address | None) -> dict[str, Any]:
    """The billing address's fields by our column names (nothing when there is none)."""
    if address is None:
        return {}
    return {"contact_first_name": address.first_name, "contact_last_name": address.last_name,
            "phone": address.phone_number, "address_line1": address.address_line1,
            "address_line2": address.address_line2, "city": address.city,
            "region": address.state, "postal_code": address.postal_code,
            "country": address.country.upper()}


def _fit(values: dict[str, Any]) -> dict[str, Any]:
    """Cut text to its column's length: PostgreSQL refuses longer values, SQLite would not."""
    columns = Customer.__table__.columns
    return {name: (value or "")[:columns[name].type.length] for name, value in values.items()}


def _qualify(customer: Customer, approved: frozenset[str]) -> bool:
    """Record approved segments; drop Partner Center's own entries it no longer approves."""
    changed = False
    current = {q.segment: q for q in customer.qualifications}
    for segment in sorted(approved):
        entry = current.get(segment)
        if entry is None:
            customer.qualifications.append(CustomerQualification(
                segment=segment, status="approved", source=SOURCE))
            changed = True
        elif entry.status != "approved":
            entry.status, entry.source = "approved", SOURCE
            changed = True
    for entry in list(customer.qualifications):
        if entry.source == SOURCE and entry.segment not in approved:
            customer.qualifications.remove(entry)
            changed = True
    return changed
