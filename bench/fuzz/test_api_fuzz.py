"""API fuzz run: schemathesis generates many cases per operation of the OpenAPI document
and checks every answer (no 5xx, status and body as documented).

    .venv/bin/python -m pytest bench/fuzz/test_api_fuzz.py \
        -p connectors.partner_center.sandbox.fixtures -q   # FUZZ_EXAMPLES=1000 for more

Not part of `make test`: the suite runs 10 examples per operation (tests/api/test_openapi.py).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.api.factories import bearer, make_subscription
from tests.test_access_matrix import API_OPERATIONS

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))


@pytest.mark.parametrize("operation_id", API_OPERATIONS)
def test_no_operation_answers_5xx(app, world, statuses, operation_id):
    app.config.update(API_RATE_LIMIT=10_000_000, API_RESELLER_RATE_LIMIT=10_000_000)
    make_subscription(world.customer_a, world.price)
    headers = bearer(world.reseller_a_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        # The rules refuse some schema-valid data (422, documented); every case carries a
        # valid token on purpose, so "invalid auth accepted" is not a finding here.
        case.validate_response(response, excluded_checks=[positive_data_acceptance, ignored_auth])

    call()
