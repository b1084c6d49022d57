"""Accounts hold at most 199 subscriptions (O7)."""

from __future__ import annotations

from commitments.records import services
from commitments.records.models import AccountSubscription
from persistence import db
from tests.conftest import login
from tests.enrollments.conftest import post_action


def guid(n: int) -> str:
    """An Azure subscription id (a GUID), the n-th of a test's."""
    return f"3f2c9a7e-5b1d-4e8a-9c6f-{n:012d}"


def fill(account, count: int) -> None:
    db.session.add_all(AccountSubscription(account_id=account.id, subscription_id=guid(n))
                       for n in range(count))
    db.session.commit()


def test_the_199th_subscription_is_accepted_and_the_200th_refused(client, world, active):
    account = services.add_account(active, "Shanghai R&D", "admin@alpha.partner.omschina.cn")
    fill(account, 198)
    login(client, world.admin)
    ok = post_action(client, active, "subscriptions", {"account_id": account.id,
                                                       "subscription_id": guid(199)})
    assert ok.status_code == 302 and len(account.subscriptions) == 199
    refused = post_action(client, active, "subscriptions", {"account_id": account.id,
                                                            "subscription_id": guid(200)})
    assert refused.status_code == 422
    assert "O7.subscription_limit" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(account.subscriptions) == 199


def test_the_page_shows_each_accounts_subscription_count(client, world, active):
    login(client, world.admin)
    post_action(client, active, "accounts", {"account_name": "Beijing Ops",
                                             "account_owner": "ops@alpha.partner.omschina.cn"})
    account = active.accounts[0]
    fill(account, 3)
    page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    assert "Beijing Ops" in page and "3 / 199" in page


def test_an_account_name_is_used_once_per_enrollment(client, world, active):
    login(client, world.admin)
    data = {"account_name": "Beijing Ops", "account_owner": "ops@alpha.partner.omschina.cn"}
    post_action(client, active, "accounts", data)
    again = post_action(client, active, "accounts", data)
    assert again.status_code == 422 and len(active.accounts) == 1
