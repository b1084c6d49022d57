"""Agreements (MCA), qualifications, relationship links, MPN and MPA lookups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.customers import Answer, collection, customer
from connectors.partner_center.sandbox.errors import SandboxError, bad_request
from connectors.partner_center.sandbox.state import Sandbox

MCA = "MicrosoftCustomerAgreement"
_SETTABLE = ("Education", "GovernmentCommunityCloud", "StateOwnedEntity")


def relationship_link(sb: Sandbox, partner_tenant: str) -> Answer:
    """GET /v1/customers/relationshiprequests → the reseller invitation URL."""
    url = ("https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
           f"&partnerId={partner_tenant}&msppId=0&DAP=true#/BillingAccounts/partner-invitation")
    return 200, {"url": url, "attributes": {"objectType": "RelationshipRequest"}}


def agreement_templates(agreement_type: str | None) -> Answer:
    """GET /v1/agreements?agreementType=… → template metadata."""
    items = [{"templateId": seed.MCA_TEMPLATE_ID, "agreementType": MCA, "versionRank": 0,
              "agreementLink": "https://aka.ms/customeragreement"}]
    if agreement_type and agreement_type != MCA:
        items = []
    return 200, collection(items)


def _contact_key(agreement: dict[str, Any]) -> tuple[str, ...]:
    """What makes two attestations the same: template and contact data."""
    contact = wire.obj(agreement, "primaryContact")
    return (wire.text(agreement, "templateId"),) + tuple(
        wire.text(contact, k).lower() for k in ("firstName", "lastName", "email", "phoneNumber"))


def create_agreement(sb: Sandbox, tenant_id: str, body: dict[str, Any], user: str) -> Answer:
    """POST {c}/agreements → 201; the same contact again → 600061 (new-style body)."""
    customer(sb, tenant_id)
    contact = wire.obj(body, "primaryContact")
    if wire.text(body, "templateId") != seed.MCA_TEMPLATE_ID:
        raise SandboxError(400, 600060, "Unknown agreement templateId.", error_name="BadRequest")
    if not all(wire.text(contact, k) for k in ("firstName", "lastName", "email")):
        raise SandboxError(400, 600053, "primaryContact needs first name, last name and email.",
                           error_name="BadRequest")
    if not wire.text(body, "dateAgreed"):
        raise SandboxError(400, 600054, "dateAgreed is required.", error_name="BadRequest")
    existing = sb.data["agreements"].setdefault(tenant_id, [])
    if any(_contact_key(a) == _contact_key(body) for a in existing):
        raise SandboxError(409, 600061, "Partner confirmed agreement already exists.",
                           error_name="PartnerConfirmedAgreementAlreadyExists")
    record = {"primaryContact": contact, "templateId": seed.MCA_TEMPLATE_ID,
              "dateAgreed": wire.text(body, "dateAgreed"), "type": MCA, "userId": user,
              "agreementLink": "https://aka.ms/customeragreement"}
    existing.append(record)
    return 201, record


def list_agreements(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/agreements."""
    customer(sb, tenant_id)
    return 200, collection(sb.data["agreements"].get(tenant_id, []))


def has_mca(sb: Sandbox, tenant_id: str) -> bool:
    """True when an MCA attestation is on record for the customer."""
    return bool(sb.data["agreements"].get(tenant_id))


def _vetted(sb: Sandbox, entry: dict[str, Any]) -> dict[str, Any]:
    """InReview turns Approved once the configured vetting time passed."""
    status = entry["vettingStatus"]
    created = datetime.fromisoformat(entry["vettingCreatedDate"])
    seconds = (sb.now() - created).total_seconds()
    if status == "InReview" and seconds >= sb.config.qualification_vetting_seconds:
        status = "Approved"
    return {k: v for k, v in entry.items() if k != "decided"} | {"vettingStatus": status}


def qualifications(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/qualifications → a bare JSON array."""
    customer(sb, tenant_id)
    return 200, [_vetted(sb, q) for q in sb.data["qualifications"].get(tenant_id, [])]


def _check_qualification(body: dict[str, Any]) -> str:
    """The requested qualification, refused when it cannot be set or lacks its details."""
    name = wire.text(body, "qualification")
    if name not in _SETTABLE:
        raise bad_request(2000, f"Qualification {name!r} cannot be set through the API.")
    if name == "Education" and wire.text(body, "educationSegment") not in (
            "K12", "HigherEducation"):
        raise bad_request(2000, "educationSegment must be K12 or HigherEducation.")
    if name == "GovernmentCommunityCloud" and not wire.text(body, "validationCode"):
        raise bad_request(2000, "validationCode is required for GovernmentCommunityCloud.")
    return name


def create_qualification(sb: Sandbox, tenant_id: str, body: dict[str, Any]) -> Answer:
    """POST {c}/qualifications → 201 InReview; vetting ends later."""
    customer(sb, tenant_id)
    name = _check_qualification(body)
    entry = {"qualification": name, "vettingStatus": "InReview",
             "vettingCreatedDate": sb.now().isoformat()}
    entries = sb.data["qualifications"].setdefault(tenant_id, [])
    entries[:] = [q for q in entries if q["qualification"] != name] + [entry]
    return 201, {"qualification": name, "vettingStatus": "InReview",
                 "vettingCreateDate": entry["vettingCreatedDate"]}


_INDIRECT = {"isindirectcloudsolutionproviderof": "is_indirect_cloud_solution_provider_of"}


def _relationship(mpn_id: str, entry: dict[str, Any], *, listed: bool) -> dict[str, Any]:
    """A PartnerRelationship: the reseller by tenant id, with its PartnerID (MPN)."""
    item = {"id": reseller_tenant(mpn_id, entry), "name": entry["partnerName"],
            "relationshipType": "is_indirect_cloud_solution_provider_of", "mpnId": mpn_id}
    if listed:  # the provider's list carries state and location; a customer's does not
        item |= {"state": "Active", "location": entry.get("location", "US")}
    return item | {"attributes": {"objectType": "PartnerRelationship"}}


def reseller_tenant(mpn_id: str, entry: dict[str, Any]) -> str:
    """The reseller's tenant id (older state files lack it: derived from the MPN ID)."""
    return entry.get("tenantId") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"mpn:{mpn_id}"))


def indirect_resellers(sb: Sandbox, relationship_type: str | None) -> Answer:
    """GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf (A+U)."""
    if (relationship_type or "").lower() not in _INDIRECT:
        raise bad_request(2000, "relationship_type must be IsIndirectCloudSolutionProviderOf.")
    return 200, collection([_relationship(mpn, entry, listed=True)
                            for mpn, entry in sb.data["mpn"].items()])


def resellers_of(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/relationships (A+U): the indirect resellers the customer is linked to."""
    linked = customer(sb, tenant_id).get("associatedPartnerId")
    found = [_relationship(mpn, entry, listed=False) for mpn, entry in sb.data["mpn"].items()
             if linked and linked in (mpn, reseller_tenant(mpn, entry))]
    return 200, collection(found)


def mpn_profile(sb: Sandbox, mpn_id: str | None) -> Answer:
    """GET /v1/profiles/mpn?mpnId= → the partner, or 404/3000."""
    if not mpn_id:
        return 200, {"partnerName": "Sandbox Indirect Provider", "mpnId": "6000001",
                     "profileType": "MpnProfile"}
    found = sb.data["mpn"].get(mpn_id)
    if found is None:
        raise SandboxError(404, 3000, f"MPN ID {mpn_id} was not found.")
    return 200, {"partnerName": found["partnerName"], "mpnId": mpn_id,
                 "profileType": "MpnProfile", "attributes": {"objectType": "MpnProfile"}}


def mpa_status(sb: Sandbox, mpn_id: str | None, tenant_id: str | None) -> Answer:
    """GET /v1/compliance/csp/agreementstatus → isAgreementSigned or 2000/2001/2200/2203."""
    if mpn_id and tenant_id:
        raise bad_request(2000, "Give either mpnId or tenantId, not both.")
    if not mpn_id and not tenant_id:
        raise bad_request(2001, "mpnId or tenantId is required.")
    if tenant_id:
        raise bad_request(2200, "Tenant is not a migrated CSP partner.")
    if not mpn_id.isdigit():
        raise bad_request(2000, "mpnId must be numeric.")
    found = sb.data["mpn"].get(mpn_id)
    if found is None:
        raise bad_request(2200, f"MPN ID {mpn_id} is unknown or not migrated.")
    if not found["mpaSigned"]:
        raise bad_request(2203, f"Partner {mpn_id} has not signed the MPA.")
    return 200, {"isAgreementSigned": True}
