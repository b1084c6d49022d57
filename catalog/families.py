"""Classify a price-list product into the families the checkout rules care about.

An import only guesses the family for products it creates; an admin's later edit wins.
"""

from __future__ import annotations

from catalog.models import Family

BUSINESS_MARKERS = ("business basic", "business standard", "business premium",
                    "office 365 business", "microsoft 365 business", "apps for business")
NOT_CANCELLABLE_PUBLISHERS = ("red hat", "suse")  # S5


def classify(title: str, publisher: str = "", tags: str = "", billing: str = "") -> Family:
    """The family implied by a product's title, publisher, tags and billing plan."""
    text = f"{title} {tags}".lower()
    if "dynamics 365" in text:
        return Family.DYNAMICS
    if any(marker in text for marker in BUSINESS_MARKERS):
        return Family.OFFICE365_BUSINESS
    if "azure plan" in text:
        return Family.AZURE_PLAN
    if "reserv" in text:
        return Family.AZURE_RESERVATION
    if "perpetual" in text or (billing == "one_time" and "software" in text):
        return Family.PERPETUAL_SOFTWARE
    if is_not_cancellable(publisher) or "software" in text or "server" in text:
        return Family.SOFTWARE_SUBSCRIPTION
    if "microsoft 365" in text or "office 365" in text:
        return Family.MICROSOFT365
    return Family.OTHER


def is_not_cancellable(publisher: str) -> bool:
    """RedHat and SUSE plans can never be cancelled or exchanged (S5)."""
    return any(name in publisher.lower() for name in NOT_CANCELLABLE_PUBLISHERS)
