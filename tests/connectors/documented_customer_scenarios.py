"""The documented customer, agreement, qualification and partner requests, pointed at the
sandbox (see test_documented_contract.py)."""

from __future__ import annotations

from connectors.partner_center import NewCustomer
from connectors.partner_center.sandbox import seed
from tests.connectors.conftest import US_ADDRESS
from tests.connectors.documented import sample, with_ids, with_values
from tests.connectors.documented_world import Check, World, against, registry

CUSTOMERS, scenario = registry()


def _get(w: World, name: str, request: dict, **ids: str) -> Check:
    """Send a documented GET with the sandbox's ids in its path; check the first answer."""
    answer = w.send("GET", with_ids(request["path"], **ids), query=request["query"])
    return against(name, answer, sample(name).get("response") or sample(name)["responses"][0])


@scenario("create_customer")
def _create_customer(w: World) -> Check:
    doc = sample("create_customer")
    # PascalCase request as documented; a domain the sandbox has not seen yet.
    body = with_values(doc["request"]["body"],
                       {"companyProfile.domain": "xyzdoc.onmicrosoft.com"})
    return against("create_customer", w.send("POST", doc["request"]["path"], body=body),
                   doc["response"])


@scenario("get_customer")
def _get_customer(w: World) -> Check:
    return _get(w, "get_customer", sample("get_customer")["request"], customers=w.customer())


@scenario("list_customers")
def _list_customers(w: World) -> Check:
    return _get(w, "list_customers", sample("list_customers")["request"])


@scenario("search_customers")
def _search_customers(w: World) -> Check:
    w.customer("contoso")  # the sample's filter: CompanyName starts with "Cont"
    return _get(w, "search_customers", sample("search_customers")["request"])


@scenario("list_indirect_resellers")
def _list_indirect_resellers(w: World) -> Check:
    return _get(w, "list_indirect_resellers", sample("list_indirect_resellers")["request"])


@scenario("list_customer_relationships")
def _list_customer_relationships(w: World) -> Check:
    created = w.client.create_customer(NewCustomer(
        "firstupdoc.onmicrosoft.com", "Via First Up", "it@firstup.example", US_ADDRESS,
        associated_partner_id=seed.RESELLER_TENANT_ID))
    return _get(w, "list_customer_relationships",
                sample("list_customer_relationships")["request"], customers=created.id)


@scenario("is_domain_available[taken]")
def _domain_taken(w: World) -> Check:
    doc = sample("is_domain_available")  # contoso.onmicrosoft.com is taken in the sandbox too
    answer = w.send("HEAD", doc["request"]["path"])
    return against("is_domain_available", answer, doc["responses"][0])


@scenario("is_domain_available[free]")
def _domain_free(w: World) -> Check:
    doc = sample("is_domain_available")
    path = with_ids(doc["request"]["path"], domains="unclaimed4711.onmicrosoft.com")
    return against("is_domain_available", w.send("HEAD", path), doc["responses"][1])


def _validate(w: World, at: int) -> Check:
    doc = sample("validate_address")
    request = doc["requests"][at]  # PascalCase keys, as documented
    answer = w.send("POST", request["path"], body=request["body"])
    return against("validate_address", answer, doc["responses"][at], equal=("status",))


@scenario("validate_address[VerifiedShippable]")
def _address_verified(w: World) -> Check:
    return _validate(w, 0)


@scenario("validate_address[StreetPartial]")
def _address_partial(w: World) -> Check:
    return _validate(w, 1)


@scenario("get_country_rules")
def _country_rules(w: World) -> Check:
    return _get(w, "get_country_rules", sample("get_country_rules")["request"],
                countryvalidationrules="US")


@scenario("get_relationship_request_url")
def _relationship_request(w: World) -> Check:
    return _get(w, "get_relationship_request_url",
                sample("get_relationship_request_url")["request"])


@scenario("get_agreement_templates")
def _agreement_templates(w: World) -> Check:
    return _get(w, "get_agreement_templates", sample("get_agreement_templates")["request"])


def _confirm_agreement(w: World, customer: str):
    request = sample("create_customer_agreement")["request"]
    body = with_values(request["body"], {"templateId": seed.MCA_TEMPLATE_ID})
    return w.send("POST", with_ids(request["path"], customers=customer), body=body)


@scenario("create_customer_agreement")
def _create_agreement(w: World) -> Check:
    answer = _confirm_agreement(w, w.customer(mca=False))
    return against("create_customer_agreement", answer,
                   sample("create_customer_agreement")["response"])


@scenario("create_customer_agreement[600061]")
def _duplicate_agreement(w: World) -> Check:
    customer = w.customer(mca=False)
    _confirm_agreement(w, customer)
    error = sample("create_customer_agreement")["error_samples"][0]  # no status documented
    return against("create_customer_agreement", _confirm_agreement(w, customer), error,
                   equal=("code", "errorName"))


@scenario("list_customer_agreements")
def _list_agreements(w: World) -> Check:
    customer = w.customer(mca=False)
    _confirm_agreement(w, customer)  # the documented contact, phone number included
    return _get(w, "list_customer_agreements", sample("list_customer_agreements")["request"],
                customers=customer)


def _qualifications(w: World, status: str, at: int) -> Check:
    customer = w.customer(mca=False)
    w.client.create_qualification(customer, "Education", education_segment="HigherEducation")
    if status != "InReview":
        w.sandbox.set_qualification(customer, "Education", status)
    doc = sample("get_qualifications")
    answer = w.send("GET", with_ids(doc["request"]["path"], customers=customer))
    return against("get_qualifications", answer, doc["responses"][at])


@scenario("get_qualifications[InReview]")
def _qualification_in_review(w: World) -> Check:
    return _qualifications(w, "InReview", 1)


@scenario("get_qualifications[Denied]")
def _qualification_denied(w: World) -> Check:
    return _qualifications(w, "Denied", 2)


@scenario("create_qualification")
def _create_qualification(w: World) -> Check:
    doc = sample("create_qualification")
    request = doc["requests"][1]  # Education, the request the response sample answers
    answer = w.send("POST", with_ids(request["path"], customers=w.customer(mca=False)),
                    body=request["body"])
    return against("create_qualification", answer, doc["response"])


@scenario("get_mpn_profile")
def _mpn_profile(w: World) -> Check:
    doc = sample("get_mpn_profile")
    answer = w.send("GET", doc["request"]["path"], query={"mpnId": seed.RESELLER_MPN_ID})
    return against("get_mpn_profile", answer, doc["response"])


@scenario("get_mpn_profile[3000]")
def _mpn_unknown(w: World) -> Check:
    doc = sample("get_mpn_profile")  # the sample's 9999999 is unknown to the sandbox too
    answer = w.send("GET", doc["request"]["path"], query=doc["request"]["query"])
    return against("get_mpn_profile", answer, doc["error_samples"][0],
                   equal=("code", "source"))


@scenario("get_reseller_mpa_status")
def _mpa_signed(w: World) -> Check:
    doc = sample("get_reseller_mpa_status")
    request = doc["requests"][0]  # sent as documented: ?mpnid= in lower case
    answer = w.send("GET", request["path"], query={"mpnid": seed.RESELLER_MPN_ID})
    return against("get_reseller_mpa_status", answer, doc["response"])


# Documented error sample → the query that provokes it in the sandbox. Not provoked: 2201
# (CSP region mismatch) and 2204 (no CSP indirect reseller account): the sandbox knows no
# regions or reseller accounts beyond MPN IDs.
MPA_ERRORS = {
    "tenantId not a GUID": {"tenantId": "not-a-guid"},
    "non-numeric PartnerID": {"mpnid": "61x2345"},
    "neither mpnId nor tenantId": {},
    "both mpnId and tenantId": {"mpnid": seed.RESELLER_MPN_ID,
                                "tenantId": seed.RESELLER_TENANT_ID},
    "PartnerID invalid or not migrated": {"mpnid": "123456"},
    "reseller has not signed MPA": {"mpnid": seed.RESELLER_MPN_ID_NO_MPA},
    "invalid tenant id": {"tenantId": "12345678-ACBD-1234-ABCD-123456789ABC"},
    "no MPA found for tenant id": {"tenantId": seed.RESELLER_TENANT_ID_NO_MPA},
}


def _mpa_error(name: str, query: dict[str, str]):
    def build(w: World) -> Check:
        doc = sample("get_reseller_mpa_status")
        error = next(e for e in doc["error_samples"] if e["name"] == name)
        answer = w.send("GET", doc["requests"][0]["path"], query=query)
        return against("get_reseller_mpa_status", answer, error, equal=("code", "source"))
    return build


for _name, _query in MPA_ERRORS.items():
    scenario(f"get_reseller_mpa_status[{_name}]")(_mpa_error(_name, _query))


@scenario("throttling")
def _throttled(w: World) -> Check:
    w.sandbox.config.rate_limit_per_minute = 1
    path = f"/v1/customers/{seed.TENANT_WITH_DAP_ID}"
    w.send("GET", path)
    answer = w.send("GET", path)
    assert answer.headers["Retry-After"].isdigit()
    return against("throttling", answer, sample("throttling")["response"])
