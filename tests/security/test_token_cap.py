"""A user holds at most API_TOKENS_PER_USER live API tokens (10): one more is refused with a
message saying how to make room (a probe minted tokens without end from one session).
Tokens are made only on the API tokens page; the API itself has no way to make one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts import api_tokens as tokens
from accounts.models import ApiToken
from persistence import db
from tests.conftest import csrf_token, login, post_form

LIMIT = 10


def create_token(client, name: str = "ERP sync"):
    return post_form(client, "/api-tokens", {"name": name})


def live_tokens(user) -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))


def test_the_eleventh_token_is_refused_with_a_clear_message(client, world):
    user = world.reseller_a_user
    for n in range(LIMIT - 1):
        tokens.issue(user, f"token {n}")
    login(client, user)
    assert create_token(client).status_code == 201
    response = create_token(client, "one too many")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "the most one user may have (10)" in page and "Revoke one" in page
    assert live_tokens(user) == LIMIT


def test_revoking_a_token_makes_room_for_a_new_one(client, world):
    user = world.reseller_a_user
    issued = [tokens.issue(user, f"token {n}")[0] for n in range(LIMIT)]
    login(client, user)
    assert create_token(client).status_code == 422
    client.post(f"/api-tokens/{issued[0].id}/revoke",
                data={"csrf_token": csrf_token(client, "/api-tokens"), "confirm": "yes"})
    assert create_token(client).status_code == 201


def test_the_cap_counts_each_users_own_tokens(client, world):
    for n in range(LIMIT):
        tokens.issue(world.reseller_a_user, f"token {n}")
    login(client, world.direct_user)
    assert create_token(client).status_code == 201


def test_the_service_refuses_past_the_limit_it_is_given(world):
    for n in range(3):
        tokens.issue(world.direct_user, f"token {n}", limit=3)
    with pytest.raises(tokens.TokenLimitReached, match=r"\(3\)"):
        tokens.issue(world.direct_user, "fourth", limit=3)
    assert live_tokens(world.direct_user) == 3
