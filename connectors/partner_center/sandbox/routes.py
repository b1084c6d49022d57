"""The sandbox's route table: Partner Center's real paths mapped to state operations."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.partner_center.sandbox import (
    azure,
    carts,
    coterming,
    customers,
    graph,
    invoices,
    order_cancels,
    orders,
    partners,
    subscriptions,
    transitions,
    validation,
)
from connectors.partner_center.sandbox import entitlements as software_entitlements
from connectors.partner_center.sandbox.errors import bad_request
from connectors.partner_center.sandbox.graph import billing as graph_billing
from connectors.partner_center.sandbox.state import Sandbox


@dataclass(frozen=True)
class Ctx:
    """What a handler needs from the request."""

    params: dict[str, str]
    query: Mapping[str, str]  # names case-insensitive, as Partner Center reads them
    body: dict[str, Any]
    partner: str
    user: str
    if_match: str | None = None
    continuation: str | None = None  # MS-ContinuationToken, for the next page of a list


Handler = Callable[[Sandbox, Ctx], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    """One endpoint: method, Flask rule, handler, whether it needs an app+user token."""

    method: str
    rule: str
    handler: Handler
    app_user: bool = False
    locked: bool = True  # False: the handler takes the lock itself (checkout)
    name: str = field(default="")
    # "graph": Microsoft Graph's token audience, error shape and paging (graph.GraphCtx).
    audience: str = "partner_center"


def _catalog_segment(ctx: Ctx) -> str | None:
    """targetSegment, refusing a missing country like Partner Center."""
    if not ctx.query.get("country"):
        raise bad_request(400001, "The country query parameter is required.")
    return ctx.query.get("targetSegment") or None


def _products(sb: Sandbox, ctx: Ctx) -> tuple[int, Any]:
    """GET /v1/products."""
    segment = _catalog_segment(ctx)
    return 200, customers.collection(sb.catalog.products(ctx.query.get("targetView"), segment,
                                                         ctx.query["country"]))


def _skus(sb: Sandbox, ctx: Ctx) -> tuple[int, Any]:
    """GET /v1/products/{p}/skus."""
    segment = _catalog_segment(ctx)
    return 200, customers.collection(sb.catalog.skus(ctx.params["product"], segment,
                                                     ctx.query["country"]))


def _availabilities(sb: Sandbox, ctx: Ctx) -> tuple[int, Any]:
    """GET /v1/products/{p}/skus/{s}/availabilities."""
    segment = _catalog_segment(ctx)
    found = sb.catalog.availabilities(ctx.params["product"], ctx.params["sku"],
                                      ctx.query["country"].upper(), segment,
                                      sb.data["availabilityIds"], sb.data.get("withdrawnSkus"))
    return 200, customers.collection(found)


def _size(ctx: Ctx) -> int:
    """The page size asked for; 0 or absent means the default."""
    raw = ctx.query.get("size") or "0"
    if not raw.isdigit():
        raise bad_request(2000, "size must be a whole number.")
    return int(raw)


def _offset(ctx: Ctx) -> int:
    """The zero-based index of the first item asked for."""
    raw = ctx.query.get("offset") or "0"
    if not raw.isdigit():
        raise bad_request(2000, "offset must be a whole number.")
    return int(raw)


def _checkout(sb: Sandbox, ctx: Ctx) -> tuple[int, Any]:
    """POST {c}/carts/{id}/checkout: claim the cart, work, then finish (409 meanwhile)."""
    cid, cart_id = ctx.params["customer"], ctx.params["cart"]
    with sb.lock:
        carts.begin_checkout(sb, cid, cart_id)
    time.sleep(sb.config.checkout_seconds)
    with sb.lock:
        try:
            return carts.finish_checkout(sb, cid, cart_id)
        finally:
            carts.release(sb, cart_id)


_C = "/v1/customers/<customer>"

ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/customers", lambda sb, c: customers.create(
        sb, c.body, as_user=c.user.startswith("user@"))),
    Route("GET", "/v1/customers", lambda sb, c: customers.search(
        sb, c.query.get("filter"), _size(c), c.query.get("seekOperation"), c.continuation)),
    Route("GET", "/v1/relationships", lambda sb, c: partners.indirect_resellers(
        sb, c.query.get("relationship_type")), app_user=True),
    Route("GET", f"{_C}/relationships", lambda sb, c: partners.resellers_of(
        sb, c.params["customer"]), app_user=True),
    Route("GET", "/v1/customers/relationshiprequests",
          lambda sb, c: partners.relationship_link(sb, c.partner, c.query.get(
              "indirectResellerId")), app_user=True),
    Route("GET", _C, lambda sb, c: customers.get(sb, c.params["customer"])),
    Route("HEAD", "/v1/domains/<domain>",
          lambda sb, c: customers.domain_head(sb, c.params["domain"])),
    Route("POST", "/v1/validations/address",
          lambda sb, c: (200, validation.validate_address(c.body))),
    Route("GET", "/v1/countryvalidationrules/<iso2>",
          lambda sb, c: (200, validation.country_rules(c.params["iso2"]))),
    Route("GET", "/v1/profiles/mpn",
          lambda sb, c: partners.mpn_profile(sb, c.query.get("mpnId")), app_user=True),
    Route("GET", "/v1/compliance/csp/agreementstatus", lambda sb, c: partners.mpa_status(
        sb, c.query.get("mpnId"), c.query.get("tenantId")), app_user=True),
    Route("GET", "/v1/agreements",
          lambda sb, c: partners.agreement_templates(c.query.get("agreementType")),
          app_user=True),
    Route("POST", f"{_C}/agreements", lambda sb, c: partners.create_agreement(
        sb, c.params["customer"], c.body, c.user), app_user=True),
    Route("GET", f"{_C}/agreements",
          lambda sb, c: partners.list_agreements(sb, c.params["customer"]), app_user=True),
    Route("GET", f"{_C}/qualifications",
          lambda sb, c: partners.qualifications(sb, c.params["customer"])),
    Route("POST", f"{_C}/qualifications", lambda sb, c: partners.create_qualification(
        sb, c.params["customer"], c.body), app_user=True),
    Route("GET", "/v1/products", _products),
    Route("GET", "/v1/products/<product>/skus", _skus),
    Route("GET", "/v1/products/<product>/skus/<sku>/availabilities", _availabilities),
    Route("POST", f"{_C}/carts",
          lambda sb, c: carts.create(sb, c.params["customer"], c.body, c.user)),
    Route("GET", f"{_C}/carts/<cart>",
          lambda sb, c: carts.get(sb, c.params["customer"], c.params["cart"])),
    Route("POST", f"{_C}/carts/<cart>/checkout", _checkout, locked=False),
    Route("GET", f"{_C}/orders", lambda sb, c: orders.list_all(
        sb, c.params["customer"], c.query.get("billingType"))),
    Route("GET", f"{_C}/orders/<order>",
          lambda sb, c: orders.get(sb, c.params["customer"], c.params["order"])),
    Route("PATCH", f"{_C}/orders/<order>", lambda sb, c: order_cancels.cancel(
        sb, c.params["customer"], c.params["order"], c.body)),
    Route("GET", f"{_C}/orders/<order>/provisioningstatus", lambda sb, c: orders.provisioning(
        sb, c.params["customer"], c.params["order"]), app_user=True),
    Route("GET", f"{_C}/subscriptions", lambda sb, c: subscriptions.list_all(
        sb, c.params["customer"], c.query.get("order_id"))),
    Route("GET", f"{_C}/subscriptions/customTermEndDates",
          lambda sb, c: coterming.custom_term_end_dates(sb, c.params["customer"], c.query,
                                                        c.continuation)),
    Route("GET", f"{_C}/subscriptions/<subscription>", lambda sb, c: subscriptions.get(
        sb, c.params["customer"], c.params["subscription"])),
    Route("PATCH", f"{_C}/subscriptions/<subscription>", lambda sb, c: subscriptions.patch(
        sb, c.params["customer"], c.params["subscription"], c.body, c.if_match)),
    Route("GET", f"{_C}/subscriptions/<subscription>/transitionEligibilities",
          lambda sb, c: transitions.eligibilities(sb, c.params["customer"],
                                                  c.params["subscription"],
                                                  c.query.get("eligibilityType"))),
    Route("POST", f"{_C}/subscriptions/<subscription>/transitions",
          lambda sb, c: transitions.create(sb, c.params["customer"],
                                           c.params["subscription"], c.body)),
    Route("GET", f"{_C}/subscriptions/<subscription>/transitions",
          lambda sb, c: transitions.history(sb, c.params["customer"],
                                            c.params["subscription"])),
    Route("GET", "/v1/invoices",
          lambda sb, c: invoices.list_invoices(sb, _size(c), _offset(c))),
)

# The Azure plan's Azure subscriptions and their registration for reservations (K12).
_S = f"{_C}/subscriptions/<subscription>"
# The page's syntax spells it azureentitlements, its example azureEntitlements: both work.
ROUTES += tuple(Route("GET", f"{_S}/{name}", lambda sb, c: azure.entitlements(
    sb, c.params["customer"], c.params["subscription"]))
    for name in ("azureEntitlements", "azureentitlements")) + (
    Route("POST", f"{_S}/registrations", lambda sb, c: azure.register(
        sb, c.params["customer"], c.params["subscription"])),
    Route("GET", f"{_S}/registrationstatus", lambda sb, c: azure.registration_status(
        sb, c.params["customer"], c.params["subscription"])),
)

# What each customer is entitled to (get-a-collection-of-entitlements), App+User only.
ROUTES += (Route("GET", f"{_C}/entitlements", lambda sb, c: software_entitlements.list_all(
    sb, c.params["customer"], c.query.get("entitlementType"), c.query.get("showExpiry")),
    app_user=True),)

# Microsoft Graph v1.0 GDAP, on the same state (partner-center-api-2.md section 1).
_GDAP = f"/v1.0{graph.gdap.PATH}"
ROUTES += (
    Route("POST", _GDAP, graph.create, audience="graph"),
    Route("GET", _GDAP, graph.list_all, audience="graph"),
    Route("GET", f"{_GDAP}/<relationship>", graph.get, audience="graph"),
    Route("POST", f"{_GDAP}/<relationship>/requests", graph.create_request, audience="graph"),
    Route("POST", f"{_GDAP}/<relationship>/accessAssignments", graph.create_assignment,
          audience="graph"),
    Route("GET", f"{_GDAP}/<relationship>/accessAssignments", graph.list_assignments,
          audience="graph"),
)

# Microsoft Graph v1.0 partner billing: the billed reconciliation export (section 5).
_BILLING = f"/v1.0{graph_billing.PATH}"
ROUTES += (
    Route("POST", f"{_BILLING}/reconciliation/billed/export", graph_billing.export,
          audience="graph"),
    Route("POST", f"{_BILLING}/usage/billed/export", graph_billing.export_usage,
          audience="graph"),
    Route("POST", f"{_BILLING}/usage/unbilled/export", graph_billing.export_unbilled_usage,
          audience="graph"),
    Route("GET", f"{_BILLING}/operations/<operation>", graph_billing.operation,
          audience="graph"),
    Route("GET", f"{_BILLING}/manifests/<manifest>", graph_billing.manifest,
          audience="graph"),
)
