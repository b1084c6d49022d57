"""#24 (O5): the detailed usage export at account and subscription level goes through the one
CSV writer, so a meter or subscription name typed as a formula opens as text (OWASP CSV
injection), and a user sees only enrollments of customers they may see."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from commitments.records import services
from commitments.records.models import AccountSubscription, UsageRecord
from commitments.records.usage import find_subscription
from persistence import db
from tests.conftest import login, served
from tests.enrollments.conftest import START, activate, at, mainland_enterprise

EVIL = "=HYPERLINK(\"http://evil.example\",\"x\")"


@pytest.fixture
def enrollment(world):
    customer = mainland_enterprise(world.customer_a)
    row = activate(services.create_enrollment(customer, START), world.admin)
    rd = services.add_account(row, "R&D", "rd@yunshan.partner.omschina.cn")
    ops = services.add_account(row, "Ops", "ops@yunshan.partner.omschina.cn")
    # Kept as typed before only GUIDs were taken (O7): such ids are still exported as text.
    db.session.add_all([AccountSubscription(account_id=rd.id, subscription_id="sub-rd"),
                        AccountSubscription(account_id=ops.id, subscription_id="+sub-ops")])
    db.session.commit()
    for day, meter, subscription in ((5, EVIL, "sub-rd"), (6, "Blob GB", "+sub-ops"),
                                     (7, "Unattributed", None)):
        row.usage.append(UsageRecord(
            used_on=date(2025, 4, day), meter=meter, quantity=Decimal("2.5"),
            unit_price=Decimal("4"),
            subscription=find_subscription(row, subscription) if subscription else None))
    db.session.commit()
    return row


def export(client, row, **scope) -> list[list[str]]:
    response = served(client, f"/enrollments/{row.id}/usage.csv", query_string=scope)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_detailed_usage_export_neutralises_formulas_in_meters_and_subscription_ids(
    client, world, enrollment
):
    with at(date(2025, 5, 1), client, world.reseller_a_user):
        rows = export(client, enrollment)
    assert rows[0][:4] == ["Date", "Account", "Account owner", "Subscription"]
    assert rows[1] == ["2025-04-05", "R&D", "rd@yunshan.partner.omschina.cn", "sub-rd",
                       "'" + EVIL, "2.5000", "4.0000", "10.00"]
    assert rows[2][3] == "'+sub-ops"
    assert len(rows) == 4  # header and three records, one not attributed to a subscription


def test_detailed_usage_download_at_the_account_and_subscription_levels(
    client, world, enrollment
):
    ops = next(a for a in enrollment.accounts if a.name == "Ops")
    with at(date(2025, 5, 1), client, world.admin):
        by_account = export(client, enrollment, account=ops.id)
        by_subscription = export(client, enrollment, subscription="sub-rd")
        missing = served(client, f"/enrollments/{enrollment.id}/usage.csv",
                             query_string={"subscription": "nope"})
    assert [r[4] for r in by_account[1:]] == ["Blob GB"]
    assert [r[4] for r in by_subscription[1:]] == ["'" + EVIL]
    assert missing.status_code == 404


def test_another_resellers_user_cannot_export_the_usage(client, world, enrollment):
    login(client, world.reseller_b_user)
    assert client.get(f"/enrollments/{enrollment.id}/usage.csv").status_code == 404
    assert client.get(f"/enrollments/{enrollment.id}/subscriptions/sub-rd").status_code == 404


def test_the_subscription_page_shows_its_usage_and_cost(client, world, enrollment):
    with at(date(2025, 5, 1), client, world.reseller_a_user):
        page = client.get(f"/enrollments/{enrollment.id}/subscriptions/sub-rd")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Usage: RMB 10.00 excl. tax" in text
    assert 'data-testid="subscription-status">active<' in text
