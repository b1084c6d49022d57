"""The API limits requests without a live token per client address (answered before any
token lookup) and all of one reseller's or company's tokens together, not only each token
(a probe found neither: unlimited token guessing, and N tokens gave N times the rate)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tests.api.factories import bearer, requests_counted

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
BAD = {"Authorization": "Bearer csp_guessed-not-issued"}


def get(client, headers, address="203.0.113.7"):
    return client.get("/api/v1/customers", headers=headers,
                      environ_base={"REMOTE_ADDR": address})


def test_twenty_bad_tokens_a_minute_then_429_before_any_token_lookup(client, world):
    good = bearer(world.reseller_a_user)
    with time_machine.travel(START, tick=False):
        assert {get(client, BAD).status_code for _ in range(20)} == {401}
    with time_machine.travel(START + timedelta(seconds=15), tick=False):
        refused = get(client, good)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "45"
        assert "without a live token" in refused.get_json()["error"]["detail"]
        # Refused before the token was read: its own count never moved. Read in START's
        # window: read on the real clock, any count there had long ended (0 whatever happened).
        assert requests_counted() == 0
    with time_machine.travel(START + timedelta(seconds=60), tick=False):
        assert get(client, good).status_code == 200


def test_requests_without_any_token_count_as_bad_ones(client, world):
    with time_machine.travel(START, tick=False):
        codes = [get(client, {}).status_code for _ in range(21)]
    assert codes == [401] * 20 + [429]


def test_another_address_is_not_held_up_by_a_guesser(client, world):
    good = bearer(world.reseller_a_user)
    with time_machine.travel(START, tick=False):
        for _ in range(25):
            get(client, BAD)
        assert get(client, good, address="198.51.100.1").status_code == 200


def test_the_limit_on_bad_tokens_is_configurable(app, client, world):
    app.config.update(API_BAD_TOKEN_LIMIT=3, API_BAD_TOKEN_WINDOW=10)
    with time_machine.travel(START, tick=False):
        assert [get(client, BAD).status_code for _ in range(4)] == [401, 401, 401, 429]
        assert get(client, BAD).headers["Retry-After"] == "10"


def test_a_resellers_tokens_share_one_limit(app, client, world):
    app.config.update(API_RATE_LIMIT=100, API_OWNER_RATE_LIMIT=4, API_RATE_WINDOW=60)
    first, second = bearer(world.reseller_a_user, "one"), bearer(world.reseller_a_user, "two")
    with time_machine.travel(START, tick=False):
        codes = [get(client, headers).status_code for headers in (first, second) * 3]
        assert codes == [200] * 4 + [429] * 2
        third = get(client, bearer(world.reseller_a_user, "three"))
        assert third.status_code == 429 and third.headers["Retry-After"] == "60"
        assert "shared by all its tokens" in third.get_json()["error"]["detail"]
        assert get(client, bearer(world.reseller_b_user)).status_code == 200
    with time_machine.travel(START + timedelta(seconds=60), tick=False):
        assert get(client, first).status_code == 200


def test_a_direct_customers_tokens_share_one_limit(app, client, world):
    app.config.update(API_RATE_LIMIT=100, API_OWNER_RATE_LIMIT=2)
    tokens = [bearer(world.direct_user, name) for name in ("one", "two", "three")]
    with time_machine.travel(START, tick=False):
        assert [get(client, headers).status_code for headers in tokens] == [200, 200, 429]
