"""Microsoft Partner Center connector: the client, its typed values and errors.

Build it with `build_client(settings)`; in sandbox mode it talks to the local sandbox
(`python -m connectors.partner_center.sandbox`) with sandbox tokens.
"""

from connectors.partner_center.auth import MsalTokenProvider, SandboxTokenProvider
from connectors.partner_center.client import PartnerCenterClient, build_client
from connectors.partner_center.commerce_types import (
    Availability,
    Cart,
    CartLine,
    CartLineError,
    CartLineRequest,
    CheckoutResult,
    LineProvisioning,
    NextTerm,
    Order,
    OrderError,
    OrderLine,
    Product,
    RefundableSeats,
    Sku,
    Subscription,
    Term,
)
from connectors.partner_center.errors import (
    AccessDenied,
    AgreementAlreadyExists,
    CartAlreadySubmitted,
    Conflict,
    ConsentRequired,
    InvalidRequest,
    NotFound,
    PartnerCenterError,
    ReauthenticationRequired,
    ServiceUnavailable,
    Throttled,
    describe,
)
from connectors.partner_center.invoices import Invoice, InvoiceDetail
from connectors.partner_center.types import (
    Address,
    AddressValidation,
    AgreementTemplate,
    Contact,
    CountryRules,
    Customer,
    CustomerAgreement,
    MpaStatus,
    MpnProfile,
    NewCustomer,
    PartnerRelationship,
    Qualification,
    UserCredentials,
)

__all__ = [
    "AccessDenied", "Address", "AddressValidation", "AgreementAlreadyExists",
    "AgreementTemplate", "Availability", "Cart", "CartAlreadySubmitted", "CartLine",
    "CartLineError", "CartLineRequest", "CheckoutResult", "Conflict", "ConsentRequired",
    "Contact", "CountryRules", "Customer", "CustomerAgreement", "InvalidRequest", "Invoice",
    "InvoiceDetail",
    "LineProvisioning", "MpaStatus", "MpnProfile", "MsalTokenProvider", "NewCustomer",
    "NextTerm", "NotFound", "Order", "OrderError", "OrderLine", "PartnerCenterClient",
    "PartnerCenterError",
    "PartnerRelationship", "RefundableSeats",
    "Product", "Qualification", "ReauthenticationRequired", "SandboxTokenProvider",
    "ServiceUnavailable", "Sku", "Subscription", "Term", "Throttled", "UserCredentials",
    "build_client", "describe",
]
