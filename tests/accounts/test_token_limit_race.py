"""Two requests creating a user's last allowed API token at the same moment: one gets it,
the other is refused, on both databases (on SQLite, whose driver opens a transaction only
at a write, both used to count the tokens outside one and both got in)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts import api_tokens as tokens
from accounts.models import ApiToken, Reseller, Role, User
from accounts.services import new_user
from persistence import db
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_requests_for_a_users_last_token_issue_one(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        reseller = Reseller(company_name="Northwind")
        user = new_user("anna@northwind.example", "pw-never-used-here", Role.RESELLER_USER)
        user.reseller = reseller
        db.session.add_all([reseller, user])
        db.session.commit()
        tokens.issue(user, "ERP sync", limit=2)
        user_id = user.id

        def create():
            return tokens.issue(db.session.get(User, user_id), "Second", limit=2)[0].name

        waited, outcomes = race({"A": app, "B": app}, "api_tokens", create)
        assert waited and outcomes["A"] == "Second"
        assert isinstance(outcomes["B"], tokens.TokenLimitReached)
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 2
