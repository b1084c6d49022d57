"""Partner Center as Microsoft documents it (issue #17), client side: the client reads
every documented response of the operations it calls into its typed values, PascalCase,
numbers as strings, bare resources without their collection, odd timestamps and all.

Each case answers the client's request with the documented status, headers (Location on a
202) and body, served by `responses` at a test base URL, and checks the fields that matter
came through. Legacy samples (2015 subscriptions, PascalCase PATCH answers) are read too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import responses

from connectors.partner_center import (
    Address,
    AgreementAlreadyExists,
    Contact,
    NewCustomer,
    NotFound,
    PartnerCenterError,
    Throttled,
)
from tests.connectors.documented import sample
from tests.connectors.documented_world import Documented, registry

C = "<customer-tenant-id>"
ADDRESS = Address("One Microsoft Way", "Redmond", "98052", "US", "WA")
CASES, case = registry()


@pytest.fixture
def documented():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Documented(mock)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# -- customers ------------------------------------------------------------------------------

def _new(domain: str = "xyz.ccsctp.net") -> NewCustomer:
    return NewCustomer(domain, "test company", "test@outlook.com", ADDRESS)


@case("create_customer")
def _create_customer(d: Documented) -> None:
    d.serve("POST", sample("create_customer")["response"])
    made = d.client.create_customer(_new())
    assert (made.id, made.commerce_id) == ("dfd8cc0a-c592-468c-8461-869a38d24738",
                                           "0a4ce58a-6f96-4273-8035-d9c7d31b9ba4")
    assert (made.domain, made.company_name, made.email) == (
        "xyz.ccsctp.net", "test company", "test@outlook.com")
    assert made.credentials.user_name == "admin" and made.credentials.password
    assert (made.address.city, made.relationship_to_partner) == ("Redmond", "none")


@case("create_customer[indirect reseller]")
def _create_for_reseller(d: Documented) -> None:
    d.serve("POST", sample("create_customer")["alternatives"][0]["response"])
    made = d.client.create_customer(_new())
    assert made.company_name == "Wingtip Toys678152504"
    assert (made.relationship_to_partner, made.address.phone_number) == ("reseller",
                                                                         "4255550101")


@case("get_customer")
def _get_customer(d: Documented) -> None:
    d.serve("GET", sample("get_customer")["response"])
    got = d.client.get_customer(C)
    assert (got.id, got.allow_delegated_access) == ("eebd1b55-5360-4438-a11d-5c06918c3014",
                                                    True)
    assert (got.domain, got.company_name, got.email) == ("abcdefgh1234.ccsctp.net",
                                                         "1kl as kjk", "a@a.com")
    assert (got.address.state, got.address.phone_number) == ("WA", "1234567890")


@case("list_customers")
def _list_customers(d: Documented) -> None:
    d.serve("GET", sample("list_customers")["response"])
    listed = list(d.client.list_customers(size=40))
    assert [c.id for c in listed] == ["b44bb1fb-c595-45b0-9e09-d657365580bf",
                                      "45c44870-ef77-4fdd-b6fe-3dacb075cff2"]
    assert {(c.company_name, c.allow_delegated_access) for c in listed} == {
        ("companyName", None)}


@case("search_customers")
def _search_customers(d: Documented) -> None:
    d.serve("GET", sample("search_customers")["response"])
    found = d.client.search_customers("Cont", field="CompanyName")
    assert [c.domain for c in found] == ["contoso190.onmicrosoft.com",
                                         "ContosoCorpCo.onmicrosoft.com",
                                         "contosocorpdemo.onmicrosoft.com"]


@case("search_customers[indirect reseller, no collection links]")
def _customers_of_reseller(d: Documented) -> None:
    d.serve("GET", sample("search_customers")["alternatives"][0]["response"])
    found = d.client.search_customers("484e548c", field="IndirectReseller")
    assert [c.company_name for c in found] == ["FourthCoffee137", "Wingtip Toys1254789149"]


@case("list_indirect_resellers")
def _indirect_resellers(d: Documented) -> None:
    d.serve("GET", sample("list_indirect_resellers")["response"])
    found = d.client.list_indirect_resellers()
    assert [(r.tenant_id, r.mpn_id, r.state, r.location) for r in found] == [
        ("484e548c-f5f3-4528-93a9-c16c6373cb59", "4847383", "Active", "US"),
        ("b01b1487-b36e-4e6d-9b5e-0b58974c4b28", "4847433", "Active", "BR")]


@case("list_customer_relationships")
def _resellers_of_customer(d: Documented) -> None:
    d.serve("GET", sample("list_customer_relationships")["response"])
    (reseller,) = d.client.list_customer_relationships(C)
    assert (reseller.name, reseller.mpn_id, reseller.state) == ("First Up Consultants",
                                                                "4847383", "")
    assert reseller.relationship_type == "is_indirect_cloud_solution_provider_of"


@case("is_domain_available")
def _domain(d: Documented) -> None:
    taken, free = sample("is_domain_available")["responses"]
    d.serve("HEAD", taken)
    assert d.client.is_domain_available("contoso") is False
    d.serve("HEAD", free)
    assert d.client.is_domain_available("contoso") is True


@case("validate_address")
def _validate_address(d: Documented) -> None:
    shippable, partial = sample("validate_address")["responses"]
    d.serve("POST", shippable)
    d.serve("POST", partial)
    first, second = (d.client.validate_address(ADDRESS) for _ in range(2))
    assert (first.status, first.is_valid, first.suggestions[0].postal_code) == (
        "VerifiedShippable", True, "98052-8300")
    assert (second.status, second.is_valid, second.original.address_line1) == (
        "StreetPartial", False, "Microsoft Way")
    assert "PostalCode" in second.message


@case("get_country_rules")
def _country_rules(d: Documented) -> None:
    d.serve("GET", sample("get_country_rules")["response"])
    rules = d.client.get_country_rules("US")
    assert (rules.iso2, rules.is_state_required, len(rules.states)) == ("US", True, 51)
    assert re.fullmatch(rules.postal_code_regex, "98052-6399")
    assert re.fullmatch(rules.phone_number_regex, "(425)555-0100")
    assert rules.supported_cultures == ("en-US", "es-US")
    assert not rules.is_registration_number_supported


@case("get_relationship_request_url")
def _relationship_url(d: Documented) -> None:
    d.serve("GET", sample("get_relationship_request_url")["response"])
    url = d.client.get_relationship_request_url()
    assert url.startswith("https://admin.microsoft.com/") and "partner-invitation" in url


@case("get_agreement_templates")
def _templates(d: Documented) -> None:
    d.serve("GET", sample("get_agreement_templates")["response"])
    (template,) = d.client.get_agreement_templates()
    assert (template.template_id, template.version_rank) == (
        "117a77b0-9360-443b-8795-c6dedc750cf9", 0)


@case("create_customer_agreement")
def _confirm_agreement(d: Documented) -> None:
    d.serve("POST", sample("create_customer_agreement")["response"])
    made = d.client.create_customer_agreement(
        C, "117a77b0-9360-443b-8795-c6dedc750cf9",
        Contact("Tania", "Carr", "someone@example.com", "1234567890"), _utc(2018, 6, 14))
    assert (made.user_id, made.date_agreed) == ("3d6f2c09-eb40-48ca-a4b3-d24c9c007531",
                                                _utc(2018, 6, 14))
    assert made.primary_contact.phone_number == "1234567890"


@case("create_customer_agreement[600061]")
def _duplicate_agreement(d: Documented) -> None:
    d.serve("POST", sample("create_customer_agreement")["error_samples"][0], status=409)
    with pytest.raises(AgreementAlreadyExists) as caught:
        d.client.create_customer_agreement(C, "t", Contact("T", "C", "e@x"), _utc(2018, 6, 14))
    assert caught.value.code == "600061" and caught.value.retryable is False


@case("list_customer_agreements")
def _agreements(d: Documented) -> None:
    d.serve("GET", sample("list_customer_agreements")["response"])
    listed = d.client.list_customer_agreements(C)
    assert [a.date_agreed for a in listed] == [_utc(2019, 8, 26), _utc(2019, 8, 27)]
    assert {a.agreement_type for a in listed} == {"MicrosoftCustomerAgreement"}


@case("get_qualifications")
def _qualifications(d: Documented) -> None:
    doc = sample("get_qualifications")
    for answer in doc["responses"] + doc["alternatives"]:
        d.serve("GET", answer)
    read = [d.client.get_qualifications(C) for _ in range(6)]
    assert [q.vetting_status for q in read[0] + read[1] + read[2]] == [
        "Approved", "InReview", "Denied"]
    assert read[1][0].vetting_created == _utc(2020, 12, 3, 10, 37, 38, 885000)
    assert read[2][0].vetting_reason == "Not an Education Customer"
    assert (read[3][0].qualification, read[3][0].vetting_status) == ("StateOwnedEntity", "")
    assert read[5][0].vetting_created.date() == _utc(2021, 5, 6).date()  # vettingCreateDate


@case("create_qualification")
def _qualify(d: Documented) -> None:
    d.serve("POST", sample("create_qualification")["response"])
    made = d.client.create_qualification(C, "Education", education_segment="HigherEducation",
                                         website="contoso.edu")
    assert (made.vetting_status, made.vetting_created) == ("InReview",
                                                           _utc(2020, 12, 4, 20, 54, 24))


@case("get_mpn_profile")
def _mpn(d: Documented) -> None:
    doc = sample("get_mpn_profile")
    d.serve("GET", doc["response"])
    d.serve("GET", doc["error_samples"][0])
    profile = d.client.get_mpn_profile("9999999")
    assert (profile.mpn_id, profile.partner_name) == ("4391507", "Microsoft Partner")
    with pytest.raises(NotFound) as caught:
        d.client.get_mpn_profile("9999999")
    assert (caught.value.http_status, caught.value.code) == (404, "3000")


@case("get_reseller_mpa_status")
def _mpa(d: Documented) -> None:
    doc = sample("get_reseller_mpa_status")
    d.serve("GET", doc["response"])
    assert d.client.get_reseller_mpa_status("1234567").is_agreement_signed is True
    errors = doc["error_samples"]
    for error in errors:
        d.serve("GET", error)
    for error in errors:
        if error["body"]["code"] == 2203:  # not signed: an answer, not a failure
            assert d.client.get_reseller_mpa_status("123456").is_agreement_signed is False
            continue
        with pytest.raises(PartnerCenterError) as caught:
            d.client.get_reseller_mpa_status("123456")
        assert (caught.value.http_status, caught.value.code) == (400,
                                                                 str(error["body"]["code"]))


@case("throttling")
def _throttled(d: Documented) -> None:
    d.serve("GET", sample("throttling")["response"])
    with pytest.raises(Throttled) as caught:
        d.client.get_customer(C)
    assert caught.value.retry_after == 57 and caught.value.retryable


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_client_reads_each_documented_response_into_its_typed_values(name, documented):
    CASES[name](documented)
