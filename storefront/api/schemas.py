"""Marshmallow schemas of the API: shape only (types, lengths); rules stay in checkout."""

from __future__ import annotations

from datetime import UTC

import pycountry
from marshmallow import Schema, ValidationError, fields, validate

from accounts import emails
from catalog.models import SEGMENTS
from checkout.validators.address import EXTRA_COUNTRIES
from identifiers import guids
from persistence import MAX_ID
from storefront.forms import DOMAIN_PREFIX

COUNTRIES = sorted({c.alpha_2 for c in pycountry.countries} | set(EXTRA_COUNTRIES))


class UtcDateTime(fields.DateTime):
    """ISO 8601 with an explicit offset; SQLite hands back naive UTC values."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def Id(*, strict: bool = True, **kwargs) -> fields.Integer:  # noqa: N802 - a field class
    """A database id: a positive integer SQLite can hold (query strings are not strict)."""
    return fields.Integer(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> fields.String:  # noqa: N802
    """Text within a length; a blank address field is K1's to report, with its code."""
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def _guid_or_none(value: str) -> None:
    """An existing tenant's ID: none (""), or a GUID as identifiers.guids reads one."""
    if value and not guids.is_valid(value):
        raise ValidationError(f"Give the tenant ID as a GUID, such as {guids.EXAMPLE}.")


def _email_fits(value: str) -> None:
    problem = emails.length_problem(value)
    if problem is not None:
        raise ValidationError(problem)


def EmailAddress(**kwargs) -> fields.Email:  # noqa: N802 - a field class
    """An email within the length limits (accounts/emails.py), with their precise message."""
    return fields.Email(validate=_email_fits, metadata={"maxLength": emails.MAX_LENGTH},
                        **kwargs)


def Amount(**kwargs) -> fields.Decimal:  # noqa: N802 - a field class
    """A non-negative amount in the currency's units, sent as a string or a number."""
    return fields.Decimal(allow_nan=False, validate=_amount, **kwargs)


def _amount(value) -> None:
    # Not validate.Range: apispec would write its Decimal bounds as strings, not numbers.
    if not 0 <= value <= 10**12:
        raise ValidationError("Send an amount from 0 to 1000000000000.")


class ErrorBody(Schema):
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    detail = fields.String(required=True)
    code = fields.String(metadata={"description": "A stable code for a refusal without a rule."})
    problems = fields.List(fields.Nested(lambda: ProblemSchema()),
                           metadata={"description": "422: every rule problem with its code."})
    # "fields" would shadow the marshmallow module inside this class body.
    field_errors = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields",
                               metadata={"description": "400: each malformed field and why."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class ProblemSchema(Schema):
    rule = fields.String(required=True, metadata={"example": "K5"})
    code = fields.String(required=True, metadata={"example": "K5.mca_not_confirmed"})
    message = fields.String(required=True)
    field = fields.String(required=True)
    fix_url = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    currency = fields.String(metadata={"description": "B1 price changes only."})
    previous = fields.String(allow_none=True, metadata={
        "description": "B1 price changes only: the price you expected (null: none sent)."})
    current = fields.String(metadata={
        "description": "B1 price changes only: the price the order would be placed at now."})


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class CustomerPageQuery(PageQuery):
    customer_id = Id(strict=False)


class OfferQuery(PageQuery):
    customer_id = Id(strict=False, metadata={
        "description": "Price the offers in this customer's market."})
    q = Text(100, load_default="")
    segment = fields.String(load_default="", validate=validate.OneOf(["", *SEGMENTS]))
    family = Text(30, load_default="")


class OfferPriceSchema(Schema):
    price_id = fields.Integer(required=True)
    sku_title = fields.String(required=True)
    term_duration = fields.String(required=True)
    billing_cycle = fields.String(required=True)
    currency = fields.String(required=True)
    amount = fields.String(required=True, metadata={"example": "12.50"})
    tax_label = fields.String(required=True)
    tier_min = fields.Integer(required=True, metadata={
        "description": "The least licenses this price is for (the price list's tier)."})
    tier_max = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The most licenses this price is for; null: no limit. An order "
                       "is priced at the tier its quantity falls in."})


class OfferSchema(Schema):
    product_id = fields.Integer(required=True)
    pc_product_id = fields.String(required=True)
    title = fields.String(required=True)
    family = fields.String(required=True)
    segment = fields.String(required=True)
    prices = fields.List(fields.Nested(OfferPriceSchema), required=True)


class CustomerIn(Schema):
    """A customer's company, billing address and tenant; shape only.

    Whether the tenant is fully named (a domain prefix for a new tenant, an id or domain
    for an existing one) is rule K4's to say, at the dry run and at ordering, with its code.
    """

    company_name = Text(200, required=True, min_length=1)
    contact_first_name = Text(50, required=True, min_length=1)
    contact_last_name = Text(50, required=True, min_length=1)
    email = EmailAddress(required=True)
    phone = Text(40)
    address_line1 = Text(200, required=True, min_length=1)
    address_line2 = Text(200)
    city = Text(100, required=True, min_length=1)
    region = Text(100)
    postal_code = Text(20)
    country = fields.String(required=True, validate=validate.OneOf(COUNTRIES))
    tax_id = Text(50)
    tenant_mode = fields.String(load_default="new", validate=validate.OneOf(["new", "existing"]))
    domain_prefix = fields.String(validate=validate.Regexp(f"^$|{DOMAIN_PREFIX}"))
    tenant_id = fields.String(validate=_guid_or_none,
                              metadata={"pattern": f"^$|^{guids.PATTERN}$"})
    tenant_domain = Text(255)


CustomerSchema = Schema.from_dict({
    "id": fields.Integer(required=True),
    "reseller_id": fields.Integer(allow_none=True, required=True),
    **{name: fields.String(required=True) for name in (
        "company_name", "contact_first_name", "contact_last_name", "email", "phone",
        "address_line1", "address_line2", "city", "region", "postal_code", "country", "tax_id",
        "tenant_mode", "domain_prefix", "tenant_id", "tenant_domain", "language")},
    "created_at": UtcDateTime(required=True)}, name="Customer")


class LineIn(Schema):
    price_id = Id(required=True, metadata={"description": "An offer price from /catalog/offers."})
    quantity = fields.Integer(strict=True, required=True,
                              validate=validate.Range(min=1, max=1_000_000))
    add_to_subscription_id = Id(allow_none=True, metadata={
        "description": "Add licenses to this subscription instead of buying a new one."})
    # K12: an Azure reservation names its scope and the Azure subscription of the
    # customer's Azure plan it applies to (GET /customers/{id}/azure-subscriptions), sent to
    # Partner Center as the line's provisioningContext. Other lines leave them out.
    reservation_scope = fields.String(validate=validate.OneOf(
        ("shared", "single"), error="Choose shared or single (rule K12)."), metadata={
        "description": "Azure reservations only: shared, or single (one Azure subscription)."})
    azure_subscription_id = fields.String(validate=validate.Length(max=36),
                                          metadata={"description": "Azure reservations only: "
                                                    "the Azure subscription (a GUID) of the "
                                                    "customer's Azure plan."})
    expected_unit_price = Amount(metadata={
        "description": "B1, optional: the unit price you expect (as /checkout/validate "
        "answered it). If the price is different now, the order is refused (422, "
        "B1.price_changed) with the old and the new price; left out, the line is placed "
        "at the current price."})


class CheckoutIn(Schema):
    customer_id = Id(required=True)
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(max=50))
    expected_total = Amount(metadata={
        "description": "B1, optional: the order's total you expect (as /checkout/validate "
        "answered it). If it is different now, the order is refused (422, "
        "B1.total_changed) with the new total; left out, the total is not compared."})


class ValidationResult(Schema):
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)
    unit_prices = fields.List(fields.String(), metadata={
        "description": "Each line's unit price now, in order: send it back as the line's "
        "expected_unit_price when placing (B1)."})
    total = fields.String(metadata={
        "description": "The order's total now: send it back as expected_total (B1)."})
    price_notes = fields.List(fields.String(allow_none=True), metadata={
        "description": "Each line's reason its unit price is not today's catalog price, or "
        "null: a line for a plan the customer already holds adds licences to that "
        "subscription at its term price (C4)."})


class AzureSubscriptionSchema(Schema):
    id = fields.String(required=True, metadata={"description": "The Azure subscription (GUID)."})
    friendly_name = fields.String(required=True)
    active = fields.Boolean(required=True, metadata={
        "description": "Only an active one can be named by a reservation (K12)."})


class AzurePlanSchema(Schema):
    """K12: the customer's Azure plan and its Azure subscriptions as Partner Center reports
    them just now; has_azure_plan false means a reservation needs the plan bought first."""

    has_azure_plan = fields.Boolean(required=True)
    plan_subscription_id = fields.Integer(allow_none=True, required=True)
    items = fields.List(fields.Nested(AzureSubscriptionSchema), required=True)


class OrderLineSchema(Schema):
    line_number = fields.Integer(required=True)
    title = fields.String(required=True)
    pc_product_id = fields.String(required=True)
    pc_sku_id = fields.String(required=True)
    billing_cycle = fields.String(required=True)
    term_duration = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price = fields.String(required=True)
    currency = fields.String(required=True)
    action = fields.String(required=True)
    status = fields.String(required=True)
    reservation_scope = fields.String(required=True)  # K12; empty on other lines
    azure_subscription_id = fields.String(required=True)


class OrderEventSchema(Schema):
    at = UtcDateTime(required=True)
    status = fields.String(required=True)
    note = fields.String(required=True)


class OrderSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    status = fields.String(required=True)
    status_reason = fields.String(required=True)
    # What the status means for the API's users (resellers and customers), never the
    # provider admin's instruction (orders.models.BUYER_NEXT_STEPS).
    next_step = fields.String(required=True, attribute="buyer_next_step")
    currency = fields.String(required=True)
    total = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    events = fields.List(fields.Nested(OrderEventSchema), required=True,
                         metadata={"description": "The status history, oldest first."})


class SubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    customer_id = fields.Integer(required=True)
    pc_subscription_id = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    family = fields.String(required=True)
    billing_cycle = fields.String(required=True)
    term_duration = fields.String(required=True)
    quantity = fields.Integer(required=True)
    status = fields.String(required=True)
    autorenew = fields.Boolean(required=True)
    purchased_at = UtcDateTime(required=True)
    term_start = UtcDateTime(allow_none=True, required=True)
    term_end = UtcDateTime(attribute="term_ends", allow_none=True, required=True, metadata={
        "description": "when the term is over and the next begins: 00:00 UTC the day after "
                       "its last day; null when it has no term (perpetual software, an Azure "
                       "plan)"})
    last_day = fields.Date(allow_none=True, required=True, metadata={
        "description": "the term's last day (Partner Center's commitmentEndDate, inclusive, "
                       "UTC); null when it has no term"})
    next_term = fields.Nested(lambda: NextTermSchema(), allow_none=True, required=True,
                              metadata={"description": "R1: the change scheduled for the "
                                        "renewal (null: it renews as it is)"})
    suspension_reason = fields.String(required=True, metadata={
        "description": "R5: why the provider suspended it; empty unless suspended"})


class NextTermSchema(Schema):
    """R1: the next term's licences, term and billing frequency."""

    quantity = fields.Integer(required=True)
    term_duration = fields.String(required=True)
    billing_cycle = fields.String(required=True)


class NextTermIn(Schema):
    """R1: what to schedule for the renewal (the rules check the plan sells it)."""

    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=100000))
    term_duration = fields.String(required=True, validate=validate.OneOf(["P1M", "P1Y", "P3Y"]))
    billing_cycle = fields.String(required=True, validate=validate.OneOf(
        ["monthly", "annual", "triennial"]))
    plan = fields.String(load_default="", validate=validate.Length(max=80), metadata={
        "description": "R1/R4: another plan's catalog item id (product:sku:availability) "
                       "from the subscription's scheduled transition eligibilities; empty "
                       "keeps this plan"})


class McaIn(Schema):
    signer_first_name = Text(50, required=True, min_length=1)
    signer_last_name = Text(50, required=True, min_length=1)
    signer_email = EmailAddress(required=True)
    signer_phone = Text(40, load_default="")
    date_agreed = fields.Date(required=True)


class McaSchema(Schema):
    id = fields.Integer(required=True)
    customer_id = fields.Integer(required=True)
    acting_as = fields.String(required=True)
    signer_first_name = fields.String(required=True)
    signer_last_name = fields.String(required=True)
    signer_email = fields.String(required=True)
    signer_phone = fields.String(required=True)
    template_id = fields.String(required=True)
    agreement_version = fields.String(required=True)
    date_agreed = fields.Date(required=True)
    recorded_at = UtcDateTime(required=True)
    attestation_status = fields.String(required=True)


def page_of(item: type[Schema]) -> type[Schema]:
    """A page envelope of items (the list endpoints' response)."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "page": fields.Integer(required=True), "pages": fields.Integer(required=True),
        "total": fields.Integer(required=True)}, name=f"{item.__name__.removesuffix('Schema')}Page")


class SubscriptionChangeIn(Schema):
    """A change to a subscription: licence count (S2) and/or autorenew (S1)."""

    quantity = fields.Integer(validate=validate.Range(min=1, max=100000))
    autorenew = fields.Boolean()


class CancellationSchema(Schema):
    """A cancelled subscription and the refund it earned (S3 prorated, S6 in full)."""

    subscription = fields.Nested(SubscriptionSchema, required=True)
    refund = fields.Decimal(as_string=True, places=2, required=True, metadata={
        "description": "The credit line's amount: net of tax where prices exclude it (most "
                       "markets), with tax where they include it (Australia, Brazil). "
                       "refund_total is what the credit note credits."})
    refund_tax = fields.Decimal(as_string=True, places=2, required=True, metadata={
        "description": "The tax credited on the refund, at the buyer's rate as billing "
                       "taxes it (0 when no rate is set for the buyer's country)."})
    refund_total = fields.Decimal(as_string=True, places=2, required=True, metadata={
        "description": "What the buyer is credited in all, tax included: the credit "
                       "note's total (or the credit's share of the next invoice)."})
    currency = fields.String(required=True)
