"""A NUL character (0x00) in any text field is refused by name, on both databases: it
cannot be typed, but a crafted request with one made PostgreSQL fail with a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import Customer
from connectors.partner_center.app_client import KEY
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, post_form
from tests.provisioning.databases import BACKENDS, app_on
from tests.test_customers import NEW_CUSTOMER


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path, pc_client):
    with app_on(request.param, tmp_path) as app:
        app.extensions[KEY] = pc_client
        yield app


def customers() -> int:
    return db.session.scalar(select(func.count(Customer.id)))


def test_the_api_refuses_a_nul_in_a_json_field_by_name(client, world):
    before = customers()
    body = {**NEW_CUSTOMER, "company_name": "Gamma\x00 Sp. z o.o."}
    body.pop("tenant_mode")
    response = client.post("/api/v1/customers", json=body, headers=bearer(world.reseller_a_user))
    assert response.status_code == 400
    assert "company_name" in response.get_json()["error"]["fields"]
    assert customers() == before


def test_a_form_with_a_nul_is_refused_by_name_and_nothing_saved(client, world):
    login(client, world.reseller_a_user)
    before = customers()
    response = post_form(client, "/customers/new", {**NEW_CUSTOMER, "city": "War\x00szawa"})
    assert response.status_code == 400
    assert "The field city contains a NUL character" in response.get_data(as_text=True)
    assert customers() == before


def test_a_search_with_a_nul_is_refused_not_a_500(client, world):
    login(client, world.reseller_a_user)
    response = client.get("/customers?q=a%00b")
    assert response.status_code == 400 and "field q" in response.get_data(as_text=True)


def test_a_nul_in_a_query_parameters_name_or_sent_raw_is_refused(client, world):
    """The query is decoded for the check only when its raw text could hold a NUL (#27):
    encoded in a name, or as the byte itself."""
    login(client, world.reseller_a_user)
    named = client.get("/customers", query_string="page=1&x%00y=1")
    assert named.status_code == 400 and "field xy" in named.get_data(as_text=True)
    raw = client.get("/customers", query_string="q=a\x00b")
    assert raw.status_code == 400 and "field q" in raw.get_data(as_text=True)
    as_text = client.get("/customers", query_string="q=a%2500b")  # "%00" as text: no NUL
    assert as_text.status_code == 200
