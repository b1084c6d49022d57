"""What the sandbox knows before anyone calls it: partner, resellers, existing tenants.

Demo data and tests refer to these ids.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from connectors.partner_center.sandbox import legacy_orders

PARTNER_TENANT_ID = "8f2c4a1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"
MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9"

# Resellers (MPN IDs / PartnerIDs): two with a signed MPA, one without, one unknown.
RESELLER_MPN_ID = "6112345"
RESELLER_MPN_ID_2 = "6223456"
RESELLER_MPN_ID_NO_MPA = "6334567"
UNKNOWN_MPN_ID = "6999999"

# Existing Microsoft tenants already in a reseller relationship with the partner.
TENANT_WITH_DAP_ID = "2d9a6f1c-7e3b-4c8d-a5f0-3b1e9c7d2a4f"
TENANT_WITH_DAP_DOMAIN = "fabrikamretail.onmicrosoft.com"
TENANT_WITHOUT_DAP_ID = "5e8b2c7d-1f4a-4b6e-9c3d-7a2f8e1b6c5d"
TENANT_WITHOUT_DAP_DOMAIN = "northwindtraders.onmicrosoft.com"
# A tenant that exists at Microsoft but has no relationship with the partner (404).
UNRELATED_TENANT_ID = "9c1e5a3b-2d7f-4e6a-8b0c-4f3d2e1a9b8c"
TAKEN_DOMAINS = ("contoso.onmicrosoft.com",)

# Their Microsoft tenants: indirect resellers are named by tenant id in relationships.
RESELLER_TENANT_ID = "3b7e1d5c-9a2f-4c6e-8d1b-5f4a3c2e1d0b"
RESELLER_TENANT_ID_2 = "4c8f2e6d-0b3a-4d7f-9e2c-6a5b4d3f2e1c"
RESELLER_TENANT_ID_NO_MPA = "5d9a3f7e-1c4b-4e8a-8f3d-7b6c5e4a3f2d"

_MPN = {
    RESELLER_MPN_ID: ("Adatum IT Services", True, RESELLER_TENANT_ID),
    RESELLER_MPN_ID_2: ("Litware Cloud Partners", True, RESELLER_TENANT_ID_2),
    RESELLER_MPN_ID_NO_MPA: ("Tailspin Consulting", False, RESELLER_TENANT_ID_NO_MPA),
}


def _tenant(tenant_id: str, domain: str, company: str, city: str, dap: bool) -> dict[str, Any]:
    """A customer record as GET /v1/customers/{id} returns it."""
    return {
        "id": tenant_id, "commerceId": tenant_id[::-1], "relationshipToPartner": "reseller",
        "allowDelegatedAccess": dap,
        "companyProfile": {"tenantId": tenant_id, "domain": domain, "companyName": company},
        "billingProfile": {
            "id": tenant_id[:8] + "-billing", "email": f"admin@{domain}", "culture": "en-US",
            "language": "en", "companyName": company,
            "defaultAddress": {"firstName": "Avery", "lastName": "Howard",
                               "addressLine1": "1 Microsoft Way", "city": city, "state": "WA",
                               "postalCode": "98052", "country": "US",
                               "phoneNumber": "4255550100"},
            "attributes": {"etag": "seed-1", "objectType": "CustomerBillingProfile"},
        },
        "attributes": {"objectType": "Customer"},
    }


def _mca(now: datetime) -> dict[str, Any]:
    """An MCA attestation recorded for the seeded tenant with delegated admin."""
    return {"primaryContact": {"firstName": "Avery", "lastName": "Howard",
                               "email": f"avery@{TENANT_WITH_DAP_DOMAIN}"},
            "templateId": MCA_TEMPLATE_ID, "dateAgreed": now.isoformat(),
            "type": "MicrosoftCustomerAgreement", "userId": "seed",
            "agreementLink": "https://aka.ms/customeragreement"}


def initial_state(now: datetime) -> dict[str, Any]:
    """A fresh JSON document holding everything the sandbox stores."""
    return {
        "customers": {
            # Reseller A's customer: its admin accepted reseller A's invitation (K11).
            TENANT_WITH_DAP_ID: _tenant(TENANT_WITH_DAP_ID, TENANT_WITH_DAP_DOMAIN,
                                        "Fabrikam Retail", "Redmond", True)
            | {"associatedPartnerId": RESELLER_TENANT_ID},
            TENANT_WITHOUT_DAP_ID: _tenant(TENANT_WITHOUT_DAP_ID, TENANT_WITHOUT_DAP_DOMAIN,
                                           "Northwind Traders", "Bellevue", False),
        },
        "agreements": {TENANT_WITH_DAP_ID: [_mca(now)]},
        "qualifications": {},
        "mpn": {mpn: {"partnerName": name, "mpaSigned": signed, "tenantId": tenant,
                      "location": "US"}
                for mpn, (name, signed, tenant) in _MPN.items()},
        "carts": {}, "orders": {}, "subscriptions": {},
        # Software bought before October 2021: listed by Get Orders only (legacy_orders).
        "legacyOrders": legacy_orders.seeded(TENANT_WITH_DAP_ID, RESELLER_MPN_ID_2),
        "idempotency": {}, "availabilityIds": {}, "withdrawnSkus": {},
        "takenDomains": list(TAKEN_DOMAINS),
        "gdap": {"relationships": {}},  # Graph delegatedAdminRelationships (graph/)
        "entra": {"codes": {}, "nextSignIn": None},  # the Entra ID sign-in double (entra.py)
    }


def new_availability_id() -> str:
    """A fresh 12-character availability id like CFQ7TTC0K971."""
    alphabet = string.ascii_uppercase + string.digits
    return "CFQ7TTC0" + "".join(secrets.choice(alphabet) for _ in range(4))
