"""Email address lengths (RFC 5321 4.5.3.1): at most 254 characters in all and at most 64
before the @. A longer address cannot be delivered and does not fit the database columns,
so every form and API input that takes an email refuses it with this message."""

from __future__ import annotations

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64


def length_problem(address: str) -> str | None:
    """Why this address is too long, in words for the person typing it; None if it fits."""
    address = (address or "").strip()
    if len(address) > MAX_LENGTH:
        return (f"An email address has at most {MAX_LENGTH} characters; "
                f"this one has {len(address)}.")
    local = address.rpartition("@")[0]  # empty without an @: the format check says so
    if len(local) > MAX_LOCAL_LENGTH:
        return (f"The part before the @ has at most {MAX_LOCAL_LENGTH} characters; "
                f"this one has {len(local)}.")
    return None


def mailbox(email: str) -> str:
    """The mailbox an address reaches, as far as we can tell: lower case and without a
    +tag (name+x@ and name+y@ reach name@ at most providers). Allowances of mail sent to
    an address count by it, so +tags do not multiply them."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
