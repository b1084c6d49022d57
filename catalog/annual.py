"""C1 Annual billing, in the words every refusal of it uses.

The annual billing cycle is sold only while the provider has switched on both the annual
billing cycle (billing settings) and annual provisioning (Microsoft Cloud Services
settings). A next term scheduled for the renewal (subscriptions/renewals.py) refuses annual
billing with checkout's code and sentence (checkout/rules/c01_annual_billing.py, whose
rules import nothing of the catalog, says them itself; a test keeps the two the same),
naming the switches still off.
"""

from __future__ import annotations

RULE = "C1"
CODE = f"{RULE}.annual_billing_disabled"
ANNUAL = "annual"


def switches_off(cycle_enabled: bool, provisioning_enabled: bool) -> list[str]:
    """The provider's switches still off, as the refusal names them."""
    off = []
    if not cycle_enabled:
        off.append("the annual billing cycle (billing settings)")
    if not provisioning_enabled:
        off.append("annual provisioning (Microsoft Cloud Services settings)")
    return off


def not_available(title: str, off: list[str]) -> str:
    """Why annual billing cannot be chosen for `title`, and what to do instead."""
    return (f"Annual billing is not available for {title}: the provider has not switched "
            f"on {' and '.join(off)}. Choose monthly billing, or ask the provider to switch "
            "annual billing on.")
