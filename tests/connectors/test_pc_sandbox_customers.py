"""The sandbox answers customer, agreement and partner calls like Partner Center."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from connectors.partner_center import (
    AccessDenied,
    Address,
    AgreementAlreadyExists,
    Contact,
    InvalidRequest,
    NewCustomer,
    NotFound,
    ReauthenticationRequired,
)
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import seed

MOSCOW = Address("Tverskaya 1", "Moskva", "125009", "RU", "Москва", first_name="Ivan",
                 last_name="Petrov", phone_number="+74951234567")


def _russian(registration: str | None, address: Address = MOSCOW) -> NewCustomer:
    return NewCustomer("rusco.onmicrosoft.com", "RusCo", "it@rus.co", address,
                       registration_number=registration)


def _raw(method: str, path: str, token: str | None = "sandbox-app:p", **kw):  # noqa: S107
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, LIVE_BASE_URL + path, headers=headers | kw.pop(
        "headers", {}), timeout=5, **kw)


def test_creates_a_customer_with_generated_ids_and_first_admin_credentials(make_customer):
    customer = make_customer("fresh", mca=False)
    assert customer.id and customer.commerce_id and customer.id != customer.commerce_id
    assert customer.domain == "fresh.onmicrosoft.com"
    assert customer.credentials.user_name == "admin@fresh.onmicrosoft.com"
    assert customer.credentials.password not in repr(customer)


@pytest.mark.parametrize(("registration", "address", "code"), [
    (None, MOSCOW, "600049"),
    ("12345", MOSCOW, "600050"),
    ("7707083893", Address("Tverskaya 1", "Moskva", "125009", "RU"), "600051"),
])
def test_refuses_russian_customers_without_a_valid_registration_number_or_phone(
        pc_client, registration, address, code):
    with pytest.raises(InvalidRequest) as caught:
        pc_client.create_customer(_russian(registration, address))
    assert caught.value.code == code


def test_the_format_error_quotes_the_expected_pattern(pc_client):
    with pytest.raises(InvalidRequest, match=r"\\d\{10\}"):
        pc_client.create_customer(_russian("12345"))


def test_accepts_a_russian_customer_with_inn_and_phone(pc_client):
    assert pc_client.create_customer(_russian("7707083893")).id


def test_refuses_a_registration_number_where_the_country_has_none(pc_client):
    new = NewCustomer("usco.onmicrosoft.com", "UsCo", "it@us.co",
                      Address("1 Way", "Austin", "73301", "US", "TX"), registration_number="1")
    with pytest.raises(InvalidRequest) as caught:
        pc_client.create_customer(new)
    assert caught.value.code == "600002"


def test_domain_availability_reflects_existing_tenants(pc_client, make_customer):
    assert pc_client.is_domain_available("brandnew") is True
    assert pc_client.is_domain_available("contoso") is False
    make_customer("brandnew", mca=False)
    assert pc_client.is_domain_available("brandnew") is False


@pytest.mark.parametrize(("address", "status", "suggestions"), [
    (Address("1 Microsoft Way", "redmond", "98052", "US", "wa"), "VerifiedShippable", 1),
    (Address("Unter den Linden 77", "berlin", "10117", "DE"), "Verified", 1),
    (Address("Microsoft Way", "Redmond", "98052", "US", "WA"), "StreetPartial", 3),
    (Address("1 Microsoft Way", "Redmond", "9805", "US", "WA"), "None", 0),
])
def test_validates_addresses_with_statuses_and_suggestions(pc_client, address, status,
                                                           suggestions):
    result = pc_client.validate_address(address)
    assert (result.status, len(result.suggestions)) == (status, suggestions)


def test_country_rules_come_with_wrapped_lists(pc_client):
    rules = pc_client.get_country_rules("US")
    assert rules.is_state_required and "WA" in rules.states
    assert rules.postal_code_regex and not rules.is_registration_number_supported
    assert pc_client.get_country_rules("RU").is_registration_number_supported


def test_delegated_access_is_reported_only_when_reading_one_customer(pc_client, pc_sandbox):
    assert pc_client.get_customer(seed.TENANT_WITH_DAP_ID).allow_delegated_access is True
    assert pc_client.get_customer(seed.TENANT_WITHOUT_DAP_ID).allow_delegated_access is False
    listed = pc_client.search_customers("northwind")
    assert [c.id for c in listed] == [seed.TENANT_WITHOUT_DAP_ID]
    assert listed[0].allow_delegated_access is None
    pc_sandbox.grant_delegated_access(seed.TENANT_WITHOUT_DAP_ID)
    assert pc_client.get_customer(seed.TENANT_WITHOUT_DAP_ID).allow_delegated_access is True


def test_search_is_a_case_insensitive_starts_with(pc_client):
    assert [c.id for c in pc_client.search_customers("FABRIKAM")] == [seed.TENANT_WITH_DAP_ID]
    assert pc_client.search_customers("retail") == ()
    by_name = pc_client.search_customers("North", field="CompanyName")
    assert [c.id for c in by_name] == [seed.TENANT_WITHOUT_DAP_ID]


def test_an_unrelated_tenant_is_not_found(pc_client):
    with pytest.raises(NotFound) as caught:
        pc_client.get_customer(seed.UNRELATED_TENANT_ID)
    assert caught.value.code == "60003"


def test_mpn_lookup_knows_registered_resellers_only(pc_client):
    assert pc_client.get_mpn_profile(seed.RESELLER_MPN_ID).partner_name == "Adatum IT Services"
    with pytest.raises(NotFound) as caught:
        pc_client.get_mpn_profile(seed.UNKNOWN_MPN_ID)
    assert caught.value.code == "3000"


def test_mpa_status_is_signed_unsigned_or_unknown(pc_client, pc_sandbox):
    assert pc_client.get_reseller_mpa_status(seed.RESELLER_MPN_ID).is_agreement_signed
    assert not pc_client.get_reseller_mpa_status(seed.RESELLER_MPN_ID_NO_MPA).is_agreement_signed
    with pytest.raises(NotFound) as caught:
        pc_client.get_reseller_mpa_status(seed.UNKNOWN_MPN_ID)
    assert caught.value.code == "2200"
    pc_sandbox.set_mpa(seed.RESELLER_MPN_ID_NO_MPA, True)
    assert pc_client.get_reseller_mpa_status(seed.RESELLER_MPN_ID_NO_MPA).is_agreement_signed


def test_records_an_mca_attestation_once_per_contact(pc_client, make_customer):
    customer = make_customer("mcaco", mca=False)
    template = pc_client.get_agreement_templates()[0]
    assert template.template_id == seed.MCA_TEMPLATE_ID
    contact = Contact("Grace", "Hopper", "grace@mcaco.com")
    when = datetime(2025, 5, 1, 12, tzinfo=UTC)
    made = pc_client.create_customer_agreement(customer.id, template.template_id, contact, when)
    assert (made.primary_contact, made.date_agreed) == (contact, when)
    with pytest.raises(AgreementAlreadyExists) as caught:
        pc_client.create_customer_agreement(customer.id, template.template_id, contact, when)
    assert caught.value.code == "600061"
    assert len(pc_client.list_customer_agreements(customer.id)) == 1


def test_qualifications_are_in_review_then_approved(pc_client, pc_sandbox, make_customer):
    customer = make_customer("school", mca=False)
    made = pc_client.create_qualification(customer.id, "Education", education_segment="K12")
    assert made.vetting_status == "InReview"
    pc_sandbox.advance(pc_sandbox.config.qualification_vetting_seconds + 1)
    assert [q.is_approved for q in pc_client.get_qualifications(customer.id)] == [True]


@pytest.mark.parametrize("qualification", ["Education", "GovernmentCommunityCloud", "Nonprofit"])
def test_refuses_qualifications_missing_their_details_or_not_settable(
        pc_client, make_customer, qualification):
    customer = make_customer("q", mca=False)
    with pytest.raises(InvalidRequest):
        pc_client.create_qualification(customer.id, qualification)


def test_relationship_request_link_names_the_partner(pc_client):
    url = pc_client.get_relationship_request_url()
    assert url.startswith("https://admin.microsoft.com/") and seed.PARTNER_TENANT_ID in url


def test_echoes_request_and_correlation_ids(pc_responses):
    response = _raw("GET", f"/v1/customers/{seed.TENANT_WITH_DAP_ID}",
                    headers={"MS-RequestId": "r-1", "MS-CorrelationId": "c-1"})
    assert (response.headers["MS-RequestId"], response.headers["MS-CorrelationId"]) == (
        "r-1", "c-1")


@pytest.mark.parametrize(("token", "code"), [(None, 800001), ("garbage", 800001),
                                             ("sandbox-graph:p", 900420)])
def test_refuses_missing_or_foreign_bearer_tokens(pc_responses, token, code):
    response = _raw("GET", f"/v1/customers/{seed.TENANT_WITH_DAP_ID}", token=token)
    assert (response.status_code, response.json()["code"]) == (401, code)
    assert response.headers["WWW-Authenticate"].startswith("OAuth realm=")


def test_refuses_an_app_only_token_on_app_user_routes(pc_responses):
    response = _raw("GET", "/v1/agreements?agreementType=MicrosoftCustomerAgreement")
    assert (response.status_code, response.json()["code"]) == (403, 900329)


def test_the_client_reports_token_problems_as_typed_errors(pc_client, pc_sandbox):
    # Twice: a fresh token of the wrong audience (900420) is refused again after re-auth.
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=401, code="900420", count=2)
    with pytest.raises(ReauthenticationRequired):
        pc_client.get_customer(seed.TENANT_WITH_DAP_ID)
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=403, code="900329")
    with pytest.raises(AccessDenied):
        pc_client.get_customer(seed.TENANT_WITH_DAP_ID)
