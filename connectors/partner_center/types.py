"""Typed values for customers, agreements, qualifications and partners (frozen dataclasses).

Each output type has `from_wire(json)`; each input type has `to_wire()`. Raw JSON stays inside
the connector package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.partner_center import wire


@dataclass(frozen=True)
class Address:
    """A postal address with the contact Partner Center keeps on the billing profile."""

    address_line1: str
    city: str
    postal_code: str
    country: str
    state: str = ""
    address_line2: str = ""
    first_name: str = ""
    last_name: str = ""
    phone_number: str = ""

    def to_wire(self) -> dict[str, Any]:
        """Serialise to Partner Center's address object, leaving out empty optional fields."""
        body = {
            "firstName": self.first_name, "lastName": self.last_name,
            "addressLine1": self.address_line1, "addressLine2": self.address_line2,
            "city": self.city, "state": self.state, "postalCode": self.postal_code,
            "country": self.country, "phoneNumber": self.phone_number,
        }
        return {k: v for k, v in body.items() if v}

    @classmethod
    def from_wire(cls, data: Any) -> Address:
        """Parse an address object."""
        return cls(
            address_line1=wire.text(data, "addressLine1"), city=wire.text(data, "city"),
            postal_code=wire.text(data, "postalCode"), country=wire.text(data, "country"),
            state=wire.text(data, "state"), address_line2=wire.text(data, "addressLine2"),
            first_name=wire.text(data, "firstName"), last_name=wire.text(data, "lastName"),
            phone_number=wire.text(data, "phoneNumber"),
        )


@dataclass(frozen=True)
class NewCustomer:
    """What the connector sends to create a customer tenant."""

    domain: str  # full domain, e.g. contoso.onmicrosoft.com
    company_name: str
    email: str
    address: Address
    culture: str = "en-US"
    language: str = "en"
    registration_number: str | None = None
    enable_gdap_by_default: bool = False
    associated_partner_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """Serialise to the body of POST /v1/customers."""
        company: dict[str, Any] = {"domain": self.domain}
        if self.registration_number:
            company["organizationRegistrationNumber"] = self.registration_number
        body: dict[str, Any] = {
            "companyProfile": company,
            "billingProfile": {
                "email": self.email, "culture": self.culture, "language": self.language,
                "companyName": self.company_name, "defaultAddress": self.address.to_wire(),
            },
            "enableGDAPByDefault": self.enable_gdap_by_default,
        }
        if self.associated_partner_id:
            body["associatedPartnerId"] = self.associated_partner_id
        return body


@dataclass(frozen=True)
class UserCredentials:
    """The first admin sign-in of a new tenant; the password is never shown in reprs."""

    user_name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Customer:
    """A customer tenant as Partner Center returns it."""

    id: str
    commerce_id: str
    domain: str
    company_name: str
    relationship_to_partner: str
    allow_delegated_access: bool | None = None  # only set when read by id
    email: str = ""
    address: Address | None = None
    credentials: UserCredentials | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Customer:
        """Parse a Customer resource."""
        company, billing = wire.obj(data, "companyProfile"), wire.obj(data, "billingProfile")
        creds = wire.obj(data, "userCredentials")
        allow = wire.get(data, "allowDelegatedAccess")
        address = wire.obj(billing, "defaultAddress")
        return cls(
            id=wire.text(data, "id"), commerce_id=wire.text(data, "commerceId"),
            domain=wire.text(company, "domain"),
            company_name=wire.text(company, "companyName") or wire.text(billing, "companyName"),
            relationship_to_partner=wire.text(data, "relationshipToPartner", "none"),
            allow_delegated_access=allow if isinstance(allow, bool) else None,
            email=wire.text(billing, "email"),
            address=Address.from_wire(address) if address else None,
            credentials=UserCredentials(wire.text(creds, "userName"), wire.text(creds, "password"))
            if creds else None,
        )


@dataclass(frozen=True)
class AddressValidation:
    """Result of address validation: a status and up to three suggestions."""

    status: str
    original: Address
    suggestions: tuple[Address, ...]
    message: str = ""

    @property
    def is_valid(self) -> bool:
        """True when Partner Center verified the address as entered or suggested."""
        return self.status in ("VerifiedShippable", "Verified")

    @classmethod
    def from_wire(cls, data: Any) -> AddressValidation:
        """Parse the POST /v1/validations/address answer."""
        return cls(
            status=wire.text(data, "status"),
            original=Address.from_wire(wire.obj(data, "originalAddress")),
            suggestions=tuple(Address.from_wire(a) for a in wire.items(data, "suggestedAddresses")),
            message=wire.text(data, "validationMessage"),
        )


@dataclass(frozen=True)
class CountryRules:
    """Per-country validation rules for addresses and registration numbers."""

    iso2: str
    default_culture: str
    is_state_required: bool
    states: tuple[str, ...]
    is_postal_code_required: bool
    postal_code_regex: str
    is_city_required: bool
    supported_cultures: tuple[str, ...]
    supported_languages: tuple[str, ...]
    is_registration_number_supported: bool
    phone_number_regex: str

    @classmethod
    def from_wire(cls, data: Any) -> CountryRules:
        """Parse GET /v1/countryvalidationrules/{iso2}; lists come wrapped in {"value": []}."""
        return cls(
            iso2=wire.text(data, "iso2Code"), default_culture=wire.text(data, "defaultCulture"),
            is_state_required=bool(wire.get(data, "isStateRequired")),
            states=tuple(wire.items(data, "states")),
            is_postal_code_required=bool(wire.get(data, "isPostalCodeRequired")),
            postal_code_regex=wire.text(data, "postalCodeRegex"),
            is_city_required=bool(wire.get(data, "isCityRequired")),
            supported_cultures=tuple(wire.items(data, "supportedCultures")),
            supported_languages=tuple(wire.items(data, "supportedLanguages")),
            is_registration_number_supported=bool(
                wire.get(data, "isRegistrationNumberSupported")),
            phone_number_regex=wire.text(data, "phoneNumberRegex"),
        )


@dataclass(frozen=True)
class AgreementTemplate:
    """Metadata of an agreement type; `template_id` goes into the attestation."""

    template_id: str
    agreement_type: str
    agreement_link: str
    version_rank: int

    @classmethod
    def from_wire(cls, data: Any) -> AgreementTemplate:
        """Parse one item of GET /v1/agreements."""
        return cls(wire.text(data, "templateId"), wire.text(data, "agreementType"),
                   wire.text(data, "agreementLink"), int(wire.get(data, "versionRank", 0)))


@dataclass(frozen=True)
class Contact:
    """The customer's person who accepted the agreement."""

    first_name: str
    last_name: str
    email: str
    phone_number: str = ""

    def to_wire(self) -> dict[str, str]:
        """Serialise to a primaryContact object."""
        body = {"firstName": self.first_name, "lastName": self.last_name, "email": self.email}
        return body | ({"phoneNumber": self.phone_number} if self.phone_number else {})


@dataclass(frozen=True)
class CustomerAgreement:
    """A recorded attestation that the customer accepted an agreement (MCA)."""

    template_id: str
    agreement_type: str
    date_agreed: datetime | None
    primary_contact: Contact
    user_id: str = ""

    @classmethod
    def from_wire(cls, data: Any) -> CustomerAgreement:
        """Parse an agreement resource."""
        contact = wire.obj(data, "primaryContact")
        return cls(
            template_id=wire.text(data, "templateId"), agreement_type=wire.text(data, "type"),
            date_agreed=wire.timestamp(data, "dateAgreed"),
            primary_contact=Contact(wire.text(contact, "firstName"),
                                    wire.text(contact, "lastName"), wire.text(contact, "email"),
                                    wire.text(contact, "phoneNumber")),
            user_id=wire.text(data, "userId"),
        )


@dataclass(frozen=True)
class Qualification:
    """A customer's segment qualification (Education, GovernmentCommunityCloud, Nonprofit…)."""

    qualification: str
    vetting_status: str
    vetting_reason: str = ""
    vetting_created: datetime | None = None

    @property
    def is_approved(self) -> bool:
        """True when Microsoft approved the qualification."""
        return self.vetting_status == "Approved"

    @classmethod
    def from_wire(cls, data: Any) -> Qualification:
        """Parse one qualification entry."""
        created = wire.timestamp(data, "vettingCreatedDate") or wire.timestamp(
            data, "vettingCreateDate")
        return cls(wire.text(data, "qualification"), wire.text(data, "vettingStatus"),
                   wire.text(data, "vettingReason"), created)


@dataclass(frozen=True)
class MpnProfile:
    """A partner known to Microsoft by its MPN ID (PartnerID)."""

    mpn_id: str
    partner_name: str

    @classmethod
    def from_wire(cls, data: Any) -> MpnProfile:
        """Parse GET /v1/profiles/mpn."""
        return cls(wire.text(data, "mpnId"), wire.text(data, "partnerName"))


@dataclass(frozen=True)
class MpaStatus:
    """Whether a reseller has signed the Microsoft Partner Agreement."""

    mpn_id: str
    is_agreement_signed: bool


# Where Partner Center takes (and requires) the organisation registration number on
# customer creation; sending one for any other country is refused with 600002.
REGISTRATION_NUMBER_COUNTRIES = frozenset(
    {"AM", "AZ", "BY", "HU", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA", "IN"})


@dataclass(frozen=True)
class PartnerRelationship:
    """An indirect reseller as a relationship names it: its tenant id, name and PartnerID."""

    tenant_id: str
    name: str
    mpn_id: str
    relationship_type: str
    state: str = ""
    location: str = ""

    @classmethod
    def from_wire(cls, data: Any) -> PartnerRelationship:
        """Parse a PartnerRelationship resource (mpnId comes as a string)."""
        return cls(tenant_id=wire.text(data, "id"), name=wire.text(data, "name"),
                   mpn_id=wire.text(data, "mpnId"),
                   relationship_type=wire.text(data, "relationshipType"),
                   state=wire.text(data, "state"), location=wire.text(data, "location"))
