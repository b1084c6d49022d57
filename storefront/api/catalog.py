"""GET /catalog/offers: the sellable offers at the caller's price, as the shop shows them."""

from __future__ import annotations

from flask import jsonify

from catalog import queries
from catalog.models import CatalogSettings
from persistence import db
from storefront.api import envelope, operation, query, scope
from storefront.api.schemas import OfferQuery, OfferSchema, page_of

OfferPage = page_of(OfferSchema)
PER_PAGE = 50


@operation("/catalog/offers", "GET", summary="List sellable offers", tag="catalog",
           ok=(200, OfferPage), query=OfferQuery, errors=(400, 404))
def list_offers():
    """Enabled, listed offers priced in the customer's market (annual billing only when C1
    allows it), at the reseller's price; filter by text, segment or family."""
    args = query(OfferQuery())
    customer = scope.customer(args["customer_id"]) if "customer_id" in args \
        else scope.own_customer()
    market = queries.buyer_market(customer.country if customer else None)
    annual = CatalogSettings.current().annual_sellable
    products = queries.shop_products(market, annual_sellable=annual, q=args["q"],
                                     segment=args["segment"], family=args["family"])
    page = db.paginate(products, page=args["page"], per_page=PER_PAGE, error_out=False)
    found = queries.offers(page.items, market, annual_sellable=annual,
                           reseller_id=scope.user().reseller_id)
    return jsonify(OfferPage().dump(envelope(page, [_offer(o) for o in found])))


def _offer(offer: queries.Offer) -> dict:
    product = offer.product
    return {"product_id": product.id, "pc_product_id": product.pc_product_id,
            "title": product.title, "family": product.family, "segment": product.segment,
            "prices": [price._asdict() for price in offer.prices]}
