"""The reference data every checkout reads besides the buyer's own rows.

C1's billing switches, the K3 and K10 country lists and a reseller's markups change only
by an admin's write, which raises the catalog version (catalog/version.py) in the same
transaction. So each worker keeps them per version: a checkout reads one integer instead
of the settings row, ~130 country rows and the markups, and two racing checkouts still see
an admin's change on their next request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from catalog import country_lists, version
from catalog.cache import catalog_fact
from catalog.models import CatalogSettings
from catalog.queries import buyer_market, kept_markups
from checkout.context import BillingSettings, TaxIdCountry
from persistence import db


@dataclass(frozen=True)
class Reference:
    """The catalog-wide facts at one catalog version."""

    version: int
    settings: BillingSettings
    tax_id_countries: Mapping[str, TaxIdCountry]
    reservation_blocked_markets: frozenset[str]

    def markups(self, reseller_id: int | None) -> Mapping[int | None, Decimal]:
        """The reseller's markups by product id (None = its default), at this version."""
        return kept_markups(self.version, reseller_id)

    def market_for(self, country: str | None) -> str:
        """The buyer's market (catalog.queries.buyer_market), kept per catalog version like
        the shop keeps it: whether a market has prices changes only with the catalog."""
        return catalog_fact(self.version, ("market", country), lambda: buyer_market(country))


def current() -> Reference:
    """The reference data now; the first call seeds the country lists and the settings row.

    Call it before the order transaction: seeding commits, and the version must be read
    before the data it keys."""
    catalog_version = version.current(db.session)
    return catalog_fact(catalog_version, ("checkout-reference",),
                        lambda: _load(catalog_version))


def _load(catalog_version: int) -> Reference:
    country_lists.ensure_seeded()
    s = db.session.get(CatalogSettings, 1)
    if s is None:
        s = CatalogSettings.current()
        db.session.commit()  # raises the version: this entry is used once, then replaced
    return Reference(
        version=catalog_version,
        settings=BillingSettings(s.annual_billing_cycle_enabled, s.annual_provisioning_enabled),
        tax_id_countries=MappingProxyType({code: TaxIdCountry(*row) for code, row in
                                          country_lists.tax_id_countries().items()}),
        reservation_blocked_markets=country_lists.reservation_blocked_markets())
