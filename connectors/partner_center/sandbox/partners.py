"""Agreements (MCA), qualifications, relationship links, MPN and MPA lookups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.customers import Answer, collection, customer, link
from connectors.partner_center.sandbox.errors import SandboxError, bad_request
from connectors.partner_center.sandbox.state import Sandbox

MCA = "MicrosoftCustomerAgreement"
_SETTABLE = ("Education", "GovernmentCommunityCloud", "StateOwnedEntity")


def relationship_link(sb: Sandbox, partner_tenant: str,
                      indirect_reseller: str | None = None) -> Answer:
    """GET /v1/customers/relationshiprequests → the invitation URL: to us as reseller, or
    (indirectResellerId) to an indirect reseller of ours, in the form Microsoft documents
    for indirect resellers (partnerId = the reseller's tenant, msppId = its PartnerID,
    indirectCSPId = the provider's tenant)."""
    if indirect_reseller:
        mpn = next((m for m, e in sb.data["mpn"].items()
                    if reseller_tenant(m, e).lower() == indirect_reseller.lower()), None)
        if mpn is None:
            raise bad_request(800016, f"PartnerID {indirect_reseller} isn't a valid Indirect "
                                      "Reseller.")
        url = ("https://admin.microsoft.com/Adminportal/Home?invType=IndirectResellerRelationship"
               f"&partnerId={indirect_reseller}&msppId={mpn}&indirectCSPId={partner_tenant}"
               "#/BillingAccounts/partner-invitation")
    else:
        url = ("https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
               f"&partnerId={partner_tenant}&msppId=0&DAP=true"
               "#/BillingAccounts/partner-invitation")
    return 200, {"url": url, "attributes": {"objectType": "RelationshipRequest"}}


def agreement_templates(agreement_type: str | None) -> Answer:
    """GET /v1/agreements?agreementType=… → template metadata."""
    items = [{"templateId": seed.MCA_TEMPLATE_ID, "agreementType": MCA, "versionRank": 0,
              "agreementLink": "https://aka.ms/customeragreement"}]
    if agreement_type and agreement_type != MCA:
        items = []
    return 200, collection(items, links=False)  # documented without links


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
              "dateAgreed": wire.text(body, "dateAgreed"), "type": MCA,
              "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, user)),
              "agreementLink": "https://aka.ms/customeragreement"}
    existing.append(record)
    # The POST echoes the attestation plus userId; only the GET adds agreementLink.
    return 201, {k: v for k, v in record.items() if k != "agreementLink"}


def list_agreements(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/agreements: items carry agreementLink but no userId, and the collection has
    neither links nor attributes (get-confirmation-of-customer-agreement)."""
    customer(sb, tenant_id)
    items = [{k: v for k, v in a.items() if k != "userId"}
             for a in sb.data["agreements"].get(tenant_id, [])]
    return 200, collection(items, links=False, attributes=False)


def has_mca(sb: Sandbox, tenant_id: str) -> bool:
    """True when an MCA attestation is on record for the customer."""
    return bool(sb.data["agreements"].get(tenant_id))


def _vetted(sb: Sandbox, entry: dict[str, Any]) -> dict[str, Any]:
    """InReview turns Approved once the configured vetting time passed; a denial gives its
    reason; StateOwnedEntity is never vetted (only {qualification}, as documented)."""
    shown = {k: v for k, v in entry.items() if k != "decided"}
    if "vettingStatus" not in entry:
        return shown
    status = entry["vettingStatus"]
    created = datetime.fromisoformat(entry["vettingCreatedDate"])
    seconds = (sb.now() - created).total_seconds()
    if status == "InReview" and seconds >= sb.config.qualification_vetting_seconds:
        status = "Approved"
    if status == "Denied":
        shown.setdefault("vettingReason", f"Not an {entry['qualification']} customer")
    return shown | {"vettingStatus": status}


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
    created = sb.now().isoformat()
    entry: dict[str, Any] = {"qualification": name}
    if name != "StateOwnedEntity":  # a declaration: its GET entries show no vetting
        entry |= {"vettingStatus": "InReview", "vettingCreatedDate": created}
    entries = sb.data["qualifications"].setdefault(tenant_id, [])
    entries[:] = [q for q in entries if q["qualification"] != name] + [entry]
    # The documented POST answer (its date spelled vettingCreateDate, the GET's mostly
    # vettingCreatedDate); no sample shows a different one for StateOwnedEntity.
    return 201, {"qualification": name, "vettingStatus": "InReview",
                 "vettingCreateDate": created}


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
                            for mpn, entry in sb.data["mpn"].items()], links=False)


def resellers_of(sb: Sandbox, tenant_id: str) -> Answer:
    """GET {c}/relationships (A+U): the indirect resellers the customer is linked to."""
    record = customer(sb, tenant_id)
    # The reseller it was created for, and every reseller whose invitation its admin accepted.
    linked = {str(x).lower() for x in [record.get("associatedPartnerId"),
                                       *record.get("acceptedResellers", [])] if x}
    found = [_relationship(mpn, entry, listed=False) for mpn, entry in sb.data["mpn"].items()
             if linked & {mpn, reseller_tenant(mpn, entry).lower()}]
    return 200, collection(found, links=False)  # documented without links


def _profile(name: str, mpn_id: str) -> dict[str, Any]:
    """An MpnProfile (get-partner-by-mpn-id): the mpnId is a string, the link has no query."""
    return {"partnerName": name, "mpnId": mpn_id, "profileType": "MpnProfile",
            "links": {"self": link("/profiles/mpn")},
            "attributes": {"objectType": "MpnProfile"}}


def mpn_profile(sb: Sandbox, mpn_id: str | None) -> Answer:
    """GET /v1/profiles/mpn?mpnId= → the partner, or 404/3000 (the caller's own without)."""
    if not mpn_id:
        return 200, _profile("Sandbox Indirect Provider", "6000001")
    found = sb.data["mpn"].get(mpn_id)
    if found is None:
        raise SandboxError(404, 3000, f"Partner Organization with partner_id {mpn_id} "
                                      "could not be found")
    return 200, _profile(found["partnerName"], mpn_id)


_MPA_FAQ = "https://learn.microsoft.com/partner-center/mpa-indirect-provider-faq"
_MPA_MIGRATION = "https://partner.microsoft.com/resources/detail/migrate-pmc-pc-mpa-guide-pptx"


class _ComplianceError(SandboxError):
    """A failure of agreementstatus as verify-indirect-reseller-mpa-status documents it:
    always 400, the classic body with its own `source` and help links in `data`."""

    def __init__(self, code: int, description: str, source: str = "PartnerFD",
                 data: tuple[str, ...] = ()) -> None:
        super().__init__(400, code, description)
        self.source, self.data = source, list(data)

    def body(self) -> dict[str, Any]:
        return super().body() | {"data": self.data, "source": self.source}


def _signed_by_mpn(sb: Sandbox, mpn_id: str) -> None:
    """Refuse an MPN ID that is not numeric (2000), unknown (2200) or unsigned (2203)."""
    if not mpn_id.isdigit():
        raise _ComplianceError(2000, "MPN Id must be numeric.", "PartnerApiServiceControllers")
    found = sb.data["mpn"].get(mpn_id)
    if found is None:
        raise _ComplianceError(2200, f"Requested MPN Id {mpn_id} is either invalid or does "
                                     "not exist in Partner Center.", data=(_MPA_MIGRATION,))
    if not found["mpaSigned"]:
        raise _ComplianceError(
            2203, f"MPN Id {mpn_id} has not signed Microsoft Partner Agreement (MPA) for the "
                  "CSP region where the order is being placed. Please advise your reseller "
                  "to sign MPA to continue with the order.", data=(_MPA_FAQ,))


def _signed_by_tenant(sb: Sandbox, tenant_id: str) -> None:
    """Refuse a tenant id that is no GUID (2000), unknown (2205) or unsigned (2206)."""
    try:
        uuid.UUID(tenant_id)
    except ValueError as exc:
        raise _ComplianceError(2000, "Tenant Id must be a GUID.",
                               "PartnerApiServiceControllers") from exc
    found = [entry for mpn, entry in sb.data["mpn"].items()
             if reseller_tenant(mpn, entry).lower() == tenant_id.lower()]
    if not found:
        raise _ComplianceError(2205, f"Could not find account with id '{tenant_id}'.")
    if not found[0]["mpaSigned"]:
        raise _ComplianceError(2206, "Parnter Center Account associated to Tenant Id "  # sic
                                     f"{tenant_id} hasn't signed the agreement",
                               data=(_MPA_FAQ,))


def mpa_status(sb: Sandbox, mpn_id: str | None, tenant_id: str | None) -> Answer:
    """GET /v1/compliance/csp/agreementstatus?mpnId=|tenantId= → isAgreementSigned, or one
    of the documented 400s (2000, 2001, 2200, 2203, 2205, 2206)."""
    if mpn_id and tenant_id:
        raise _ComplianceError(2000, "Both MPN Id and Tenant Id should not be passed.",
                               "ComplianceController")
    if not mpn_id and not tenant_id:
        raise _ComplianceError(2001, "Both MPN Id and Tenant Id cannot be empty.",
                               "ComplianceController")
    if tenant_id:
        _signed_by_tenant(sb, tenant_id)
    else:
        _signed_by_mpn(sb, mpn_id or "")
    return 200, {"isAgreementSigned": True}


def accept_invitation(sb: Sandbox, tenant_id: str, reseller: str) -> dict[str, Any]:
    """The tenant's global admin accepts a reseller's invitation (a /_sandbox control):
    Partner Center then lists the reseller among the tenant's indirect resellers."""
    record = customer(sb, tenant_id)
    found = next((reseller_tenant(m, e) for m, e in sb.data["mpn"].items()
                  if reseller.lower() in (m, reseller_tenant(m, e).lower())), None)
    if found is None:
        raise bad_request(800016, f"PartnerID {reseller} isn't a valid Indirect Reseller.")
    accepted = record.setdefault("acceptedResellers", [])
    if found not in accepted:
        accepted.append(found)
    sb.changed()
    return {"tenantId": tenant_id, "acceptedResellers": accepted}
