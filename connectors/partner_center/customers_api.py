"""Customer-side operations: tenants, addresses, agreements, qualifications, partners."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

from connectors.partner_center import paging, wire
from connectors.partner_center.errors import InvalidRequest
from connectors.partner_center.transport import Call, Transport
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
)

MCA = "MicrosoftCustomerAgreement"


def _c(customer_id: str) -> str:
    """Path of one customer."""
    return f"/v1/customers/{quote(customer_id, safe='')}"


class CustomersApi:
    """Mixin of PartnerCenterClient with one method per customer-side operation."""

    _transport: Transport

    def create_customer(self, new: NewCustomer, *, correlation_id: str | None = None,
                        request_id: str | None = None) -> Customer:
        """Create a customer tenant (201); replaying `request_id` never creates a second one.

        One for an indirect reseller (associatedPartnerId = the reseller's tenant id) needs
        App+User credentials ("Create a customer for an indirect reseller")."""
        response = self._transport.send(Call(
            "POST", "/v1/customers", as_user=bool(new.associated_partner_id),
            body=new.to_wire(), ok=(201,), request_id=request_id,
            correlation_id=correlation_id))
        return Customer.from_wire(response.json())

    def get_customer(self, customer_id: str, *, correlation_id: str | None = None) -> Customer:
        """Read a customer by tenant id, including whether delegated admin is allowed."""
        response = self._transport.send(Call("GET", _c(customer_id),
                                             correlation_id=correlation_id))
        return Customer.from_wire(response.json())

    def search_customers(self, value: str, *, field: str = "Domain", size: int = 100,
                         correlation_id: str | None = None) -> tuple[Customer, ...]:
        """Find customers whose Domain/CompanyName/IndirectReseller starts with `value`
        (every page of the answer)."""
        query = json.dumps({"Field": field, "Value": value, "Operator": "starts_with"})
        call = Call("GET", "/v1/customers", params={"size": size, "filter": query},
                    correlation_id=correlation_id)
        return tuple(Customer.from_wire(c) for c in paging.items(self._transport, call))

    def list_customers(self, *, size: int = 500,
                       correlation_id: str | None = None) -> Iterator[Customer]:
        """Every customer of the partner, streamed page by page (seek paging with
        MS-ContinuationToken); a provider with thousands is never held in memory at once."""
        call = Call("GET", "/v1/customers", params={"size": size},
                    correlation_id=correlation_id)
        return (Customer.from_wire(c) for c in paging.items(self._transport, call))

    def list_indirect_resellers(self, *, correlation_id: str | None = None
                                ) -> tuple[PartnerRelationship, ...]:
        """The indirect resellers linked to this indirect provider (app+user)."""
        call = Call("GET", "/v1/relationships", as_user=True,
                    params={"relationship_type": "IsIndirectCloudSolutionProviderOf"},
                    correlation_id=correlation_id)
        return tuple(PartnerRelationship.from_wire(r)
                     for r in paging.items(self._transport, call))

    def list_customer_relationships(self, customer_id: str, *,
                                    correlation_id: str | None = None
                                    ) -> tuple[PartnerRelationship, ...]:
        """The indirect resellers a customer is linked to (app+user)."""
        call = Call("GET", f"{_c(customer_id)}/relationships", as_user=True,
                    correlation_id=correlation_id)
        return tuple(PartnerRelationship.from_wire(r)
                     for r in paging.items(self._transport, call))

    def is_domain_available(self, prefix: str, *, correlation_id: str | None = None) -> bool:
        """Ask whether `<prefix>.onmicrosoft.com` is still free (HEAD: 404 free, 200 taken)."""
        response = self._transport.send(Call(
            "HEAD", f"/v1/domains/{quote(prefix, safe='')}.onmicrosoft.com", ok=(200, 404),
            correlation_id=correlation_id))
        return response.status_code == 404

    def validate_address(self, address: Address, *,
                         correlation_id: str | None = None) -> AddressValidation:
        """Check an address with Partner Center and get its suggestions."""
        body = {k: v for k, v in address.to_wire().items()
                if k not in ("firstName", "lastName", "phoneNumber")}
        response = self._transport.send(Call("POST", "/v1/validations/address", body=body,
                                             correlation_id=correlation_id))
        return AddressValidation.from_wire(response.json())

    def get_country_rules(self, iso2: str, *,
                          correlation_id: str | None = None) -> CountryRules:
        """Read a country's address, culture and registration-number rules."""
        response = self._transport.send(Call(
            "GET", f"/v1/countryvalidationrules/{quote(iso2, safe='')}",
            correlation_id=correlation_id))
        return CountryRules.from_wire(response.json())

    def get_relationship_request_url(self, *, indirect_reseller_id: str | None = None,
                                     correlation_id: str | None = None) -> str:
        """Link a customer admin opens to accept us as reseller; with an indirect reseller's
        tenant id, the invitation to accept that reseller (and us as its provider)."""
        params = {"indirectResellerId": indirect_reseller_id} if indirect_reseller_id else None
        response = self._transport.send(Call("GET", "/v1/customers/relationshiprequests",
                                             as_user=True, params=params,
                                             correlation_id=correlation_id))
        return wire.text(response.json(), "url")

    def get_agreement_templates(self, agreement_type: str = MCA, *,
                                correlation_id: str | None = None
                                ) -> tuple[AgreementTemplate, ...]:
        """Read agreement metadata; the MCA templateId must be read at runtime."""
        response = self._transport.send(Call("GET", "/v1/agreements", as_user=True,
                                             params={"agreementType": agreement_type},
                                             correlation_id=correlation_id))
        return tuple(AgreementTemplate.from_wire(i) for i in wire.items(response.json()))

    def create_customer_agreement(
        self, customer_id: str, template_id: str, contact: Contact, date_agreed: datetime, *,
        agreement_type: str = MCA, correlation_id: str | None = None,
        request_id: str | None = None,
    ) -> CustomerAgreement:
        """Attest that the customer accepted the agreement (MCA) on `date_agreed`."""
        body = {"primaryContact": contact.to_wire(), "templateId": template_id,
                "dateAgreed": wire.iso(date_agreed), "type": agreement_type}
        response = self._transport.send(Call(
            "POST", f"{_c(customer_id)}/agreements", as_user=True, body=body, ok=(201,),
            request_id=request_id, correlation_id=correlation_id))
        return CustomerAgreement.from_wire(response.json())

    def list_customer_agreements(self, customer_id: str, agreement_type: str = MCA, *,
                                 correlation_id: str | None = None
                                 ) -> tuple[CustomerAgreement, ...]:
        """List the customer's recorded agreement attestations."""
        response = self._transport.send(Call(
            "GET", f"{_c(customer_id)}/agreements", as_user=True,
            params={"agreementType": agreement_type}, correlation_id=correlation_id))
        return tuple(CustomerAgreement.from_wire(i) for i in wire.items(response.json()))

    def get_qualifications(self, customer_id: str, *,
                           correlation_id: str | None = None) -> tuple[Qualification, ...]:
        """Read the customer's segment qualifications (a bare JSON array)."""
        response = self._transport.send(Call("GET", f"{_c(customer_id)}/qualifications",
                                             correlation_id=correlation_id))
        return tuple(Qualification.from_wire(q) for q in wire.items(response.json()))

    def create_qualification(
        self, customer_id: str, qualification: str, *, education_segment: str | None = None,
        website: str | None = None, validation_code: str | None = None,
        correlation_id: str | None = None, request_id: str | None = None,
    ) -> Qualification:
        """Ask Microsoft to vet a qualification (Education, GovernmentCommunityCloud…)."""
        body = {"qualification": qualification, "educationSegment": education_segment,
                "website": website, "validationCode": validation_code}
        response = self._transport.send(Call(
            "POST", f"{_c(customer_id)}/qualifications", as_user=True, ok=(201,),
            body={k: v for k, v in body.items() if v}, request_id=request_id,
            correlation_id=correlation_id))
        return Qualification.from_wire(response.json())

    def get_mpn_profile(self, mpn_id: str, *, correlation_id: str | None = None) -> MpnProfile:
        """Look a reseller up by MPN ID; unknown ids raise NotFound (code 3000)."""
        response = self._transport.send(Call("GET", "/v1/profiles/mpn", as_user=True,
                                             params={"mpnId": mpn_id},
                                             correlation_id=correlation_id))
        return MpnProfile.from_wire(response.json())

    def get_reseller_mpa_status(self, mpn_id: str, *,
                                correlation_id: str | None = None) -> MpaStatus:
        """Whether the reseller signed the MPA; an unsigned MPA (2203) is a False answer."""
        try:
            response = self._transport.send(Call(
                "GET", "/v1/compliance/csp/agreementstatus", as_user=True,
                params={"mpnId": mpn_id}, correlation_id=correlation_id))
        except InvalidRequest as error:
            if error.code == "2203":
                return MpaStatus(mpn_id, False)
            raise
        return MpaStatus(mpn_id, bool(wire.get(response.json(), "isAgreementSigned")))
