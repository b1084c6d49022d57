"""The OpenAPI document: valid, generated from the schemas, and honoured by the API
(schemathesis drives every operation in-process and finds no 500 and no off-schema reply)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.factories import bearer, make_subscription
from tests.test_access_matrix import API_OPERATIONS


def test_the_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_the_document_describes_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ids = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    assert ids == set(API_OPERATIONS)
    assert spec["components"]["schemas"]["Problem"]["required"] == [
        "code", "field", "message", "rule"]


def test_the_docs_page_lists_operations_without_outside_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "POST /orders" in page and "Idempotency-Key" in page
    assert "https://" not in page
    scripts = re.findall(r'<script src="([^"]*)"[^>]*>', page)
    # only the site's own files, as on every page: nothing inline, nothing from elsewhere
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert len(scripts) == len(re.findall(r"<script", page))


@pytest.mark.parametrize("operation_id", API_OPERATIONS)
def test_the_api_honours_its_own_document(app, world, operation_id):
    """Every check but "schema-valid data is accepted": a 422 from the rules (an empty
    order, C2) is documented, and refusing what the schema allows is what the rules do."""
    app.config["API_RATE_LIMIT"] = 100_000
    make_subscription(world.customer_a, world.price)
    headers = bearer(world.reseller_a_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    call()
