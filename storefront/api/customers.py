"""Customers within the token's scope, and their MCA acceptances (K5 ledger)."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from sqlalchemy import func

from accounts import services
from accounts.models import Customer
from accounts.scoping import visible_customers
from agreements import mca
from connectors.partner_center.app_client import get_client
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from storefront.api import api_error, body, envelope, operation, query, scope
from storefront.api.schemas import (
    AzurePlanSchema,
    CustomerIn,
    CustomerSchema,
    McaIn,
    McaSchema,
    PageQuery,
    page_of,
)
from subscriptions.azure_plan import azure_plan_view

CustomerPage = page_of(CustomerSchema)
McaPage = page_of(McaSchema)


@operation("/customers", "GET", summary="List customers", tag="customers",
           ok=(200, CustomerPage), query=PageQuery, errors=(400,))
def list_customers():
    """A reseller's customers, or a direct customer's own company."""
    args = query(PageQuery())
    rows = visible_customers(scope.user()).order_by(func.lower(Customer.company_name),
                                                    Customer.id)
    page = db.paginate(rows, page=args["page"], per_page=50, error_out=False)
    return jsonify(CustomerPage().dump(envelope(page, page.items)))


@operation("/customers", "POST", summary="Create a customer", tag="customers",
           ok=(201, CustomerSchema), body=CustomerIn, errors=(400, 403))
def create_customer():
    """A reseller adds an end customer; a direct customer token may not (403)."""
    if not scope.user().is_reseller:
        abort(403)
    data = body(CustomerIn())
    customer = services.save_customer(Customer(tenant_mode="new"), data,
                                      reseller_id=scope.user().reseller_id)
    response = jsonify(CustomerSchema().dump(customer))
    response.headers["Location"] = url_for("api.get_customer", customer_id=customer.id)
    return response, 201


@operation("/customers/<int:customer_id>", "GET", summary="Read a customer", tag="customers",
           ok=(200, CustomerSchema), errors=(404,))
def get_customer(customer_id: int):
    return jsonify(CustomerSchema().dump(scope.customer(customer_id)))


@operation("/customers/<int:customer_id>", "PATCH", summary="Update a customer",
           tag="customers", ok=(200, CustomerSchema), body=CustomerIn, errors=(400, 404))
def update_customer(customer_id: int):
    """Change any of the customer's fields; send only those that change."""
    customer = scope.customer(customer_id)
    data = body(CustomerIn(), partial=True)
    services.save_customer(customer, data, reseller_id=customer.reseller_id)
    return jsonify(CustomerSchema().dump(customer))


@operation("/customers/<int:customer_id>/azure-subscriptions", "GET", tag="customers",
           summary="List the Azure plan's Azure subscriptions", ok=(200, AzurePlanSchema),
           errors=(404, 503))
def list_azure_subscriptions(customer_id: int):
    """K12: the Azure subscriptions an Azure reservation line may name
    (azure_subscription_id), read from Partner Center now."""
    view = azure_plan_view(scope.customer(customer_id).id, get_client())
    if view.subscriptions is None:
        return api_error(503, "Service Unavailable", "Partner Center did not list the Azure "
                         "plan's subscriptions; try again shortly.")
    return jsonify(AzurePlanSchema().dump({
        "has_azure_plan": view.plan is not None,
        "plan_subscription_id": view.plan.id if view.plan is not None else None,
        "items": [{"id": s.id, "friendly_name": s.friendly_name, "active": s.active}
                  for s in view.subscriptions]}))


@operation("/customers/<int:customer_id>/mca-acceptances", "GET", tag="mca",
           summary="List MCA acceptances", ok=(200, McaPage), query=PageQuery,
           errors=(400, 404))
def list_mca(customer_id: int):
    """The customer's acceptances in the append-only ledger, newest first."""
    customer = scope.customer(customer_id)
    args = query(PageQuery())
    rows = db.select(mca.McaAcceptance).filter_by(customer_id=customer.id) \
        .order_by(mca.McaAcceptance.id.desc())
    page = db.paginate(rows, page=args["page"], per_page=50, error_out=False)
    return jsonify(McaPage().dump(envelope(page, page.items)))


@operation("/customers/<int:customer_id>/mca-acceptances", "POST", tag="mca",
           summary="Record an MCA acceptance", ok=(201, McaSchema), body=McaIn,
           errors=(400, 404, 503))
def record_mca(customer_id: int):
    """K5: a direct customer accepts the current MCA; a reseller confirms its customer did."""
    customer = scope.customer(customer_id)
    data = body(McaIn())
    try:
        template = get_client().get_agreement_templates()[0]
    except (PartnerCenterError, IndexError):
        return api_error(503, "Service Unavailable", "Partner Center did not name the "
                         "current agreement; try again shortly.")
    row = mca.record_acceptance(
        customer=customer, user=scope.user(), signer=mca.Signer(
            data["signer_first_name"], data["signer_last_name"], data["signer_email"],
            data["signer_phone"]), template_id=template.template_id,
        version=template.template_id, date_agreed=data["date_agreed"],
        ip=request.remote_addr or "", user_agent=request.user_agent.string[:300])
    return jsonify(McaSchema().dump(row)), 201
