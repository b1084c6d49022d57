"""K4/K11: a customer's existing tenant ID and the security group GDAP gives its roles to
are GUIDs as identifiers.guids reads them, wherever they are typed: in any case, spaces
around them aside, and only in the 8-4-4-4-12 form Partner Center and Graph take (no braces,
no "urn:uuid:", no hyphen-less form). Each page keeps its own words for a wrong one."""

from sqlalchemy import select

from accounts.models import Customer
from persistence import db
from relationships.models import GdapSettings
from relationships.roles import DEFAULT_ROLES
from tests.api.factories import bearer
from tests.conftest import login, post_form
from tests.test_customers import NEW_CUSTOMER

TENANT = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"
EXISTING = {**NEW_CUSTOMER, "tenant_mode": "existing", "domain_prefix": ""}
API_CUSTOMER = {
    "company_name": "Delta Inc.", "contact_first_name": "Grace", "contact_last_name": "Hopper",
    "email": "grace@delta.example", "address_line1": "2 Main St", "city": "Redmond",
    "region": "WA", "postal_code": "98052", "country": "US", "tenant_mode": "existing"}


def customer_named(name: str) -> Customer | None:
    return db.session.scalar(select(Customer).filter_by(company_name=name))


def test_the_customer_form_refuses_a_tenant_id_written_other_than_8_4_4_4_12_k4(client,
                                                                              world):
    login(client, world.reseller_a_user)
    for written in ("{" + TENANT + "}", "urn:uuid:" + TENANT, TENANT.replace("-", "")):
        refused = post_form(client, "/customers/new", {**EXISTING, "tenant_id": written})
        assert refused.status_code == 422, written
        assert "Enter the tenant ID GUID." in refused.get_data(as_text=True)
    assert customer_named(NEW_CUSTOMER["company_name"]) is None


def test_the_customer_form_takes_a_tenant_id_in_capitals_k4(client, world):
    login(client, world.reseller_a_user)
    saved = post_form(client, "/customers/new", {**EXISTING, "tenant_id": TENANT.upper()})
    assert saved.status_code == 302
    assert customer_named(NEW_CUSTOMER["company_name"]).tenant_id == TENANT.upper()


def test_the_api_takes_a_tenant_id_pasted_with_spaces_and_keeps_it_trimmed_k4(client, world):
    created = client.post("/api/v1/customers", headers=bearer(world.reseller_a_user),
                          json={**API_CUSTOMER, "tenant_id": f" {TENANT.upper()} "})
    assert created.status_code == 201, created.get_json()
    assert customer_named("Delta Inc.").tenant_id == TENANT.upper()


def test_the_api_refuses_a_tenant_id_that_is_not_a_guid_k4(client, world):
    for written in ("{" + TENANT + "}", "urn:uuid:" + TENANT, "tenant"):
        refused = client.post("/api/v1/customers", headers=bearer(world.reseller_a_user),
                              json={**API_CUSTOMER, "tenant_id": written})
        assert refused.status_code == 400, written
        assert "Give the tenant ID as a GUID, such as" in refused.get_data(as_text=True)
    assert customer_named("Delta Inc.") is None


def gdap_settings(group: str) -> dict:
    return {"roles": list(DEFAULT_ROLES), "duration_days": "730", "security_group_id": group}


def test_the_gdap_group_pasted_in_capitals_with_spaces_is_kept_trimmed_in_lower_case_k4(
        client, world):
    login(client, world.admin)
    saved = post_form(client, "/admin/gdap/", gdap_settings(f" {TENANT.upper()} "))
    assert saved.status_code == 302
    db.session.expire_all()
    assert GdapSettings.current().security_group_id == TENANT


def test_the_gdap_group_must_be_a_guid_k4(client, world):
    login(client, world.admin)
    refused = post_form(client, "/admin/gdap/", gdap_settings("{" + TENANT + "}"))
    assert refused.status_code == 422
    assert "Give the group&#39;s object ID (a GUID)." in refused.get_data(as_text=True)
