"""S3/R1/R2/R5 on Microsoft's own dates: a new-commerce commitmentEndDate is the term's LAST
day (get-a-subscription-by-id, tests/fixtures/partner_center/documented/get_subscription.json:
created 2021-01-14T16:57, commitmentEndDate 2022-01-13T00:00:00Z, commitmentEndDateTime
2022-01-13T23:59:59Z; subscription-resources: "New commerce end dates are inclusive"), the
renewal runs from 00:00 UTC the day after, and the 7-day window restarts with it
(create-scheduled-changes; cancellationAllowedUntilDate, subscription-resources).

The mirror keeps one convention: `term_end` is when the term is over and the next begins
(00:00 UTC after the last day), so these dates reach the rules a day later than written."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from connectors.partner_center.commerce_types import Subscription as Remote
from persistence import as_utc, db
from subscriptions import reminders, renewal_rules, services
from subscriptions.errors import SubscriptionRefused
from subscriptions.mirror import mirror

DOCUMENTED = Path(__file__).resolve().parents[1] / "fixtures" / "partner_center" / "documented"
DOC = json.loads((DOCUMENTED / "get_subscription.json").read_text())["response"]["body"]
RENEWED = {"commitmentEndDate": "2023-01-13T00:00:00Z",
           "cancellationAllowedUntilDate": "2022-01-21T00:00:00Z"}


def _wire(**changes) -> Remote:
    """The documented subscription, live and autorenewing, with `changes`."""
    body = copy.deepcopy(DOC) | {"status": "active", "autoRenewEnabled": True,
                                 "termDuration": "P1Y", "billingCycle": "monthly",
                                 "quantity": 2}
    return Remote.from_wire(body | changes)


@pytest.fixture
def documented(buy):
    """A subscription bought when the sample was, mirrored from Microsoft's first answer."""
    with time_machine.travel(datetime(2021, 1, 14, 16, 57, 15, tzinfo=UTC), tick=False):
        sub = buy(term="P1M", quantity=2)
        mirror(sub, _wire())
        db.session.commit()
    return sub


def _cancel_refusal(sub, user, at: datetime) -> str | None:
    user.admin_agent = True
    try:
        services.check_cancel(sub, user, at)
    except SubscriptionRefused as why:
        return why.code
    return None


def test_r5_a_suspended_subscription_can_be_reactivated_on_its_terms_last_day(documented):
    ends = as_utc(documented.term_end)
    assert ends == datetime(2022, 1, 14, tzinfo=UTC)
    assert renewal_rules.check_resume("suspended", ends,
                                      datetime(2022, 1, 13, 23, 59, tzinfo=UTC)) is None
    refused = renewal_rules.check_resume("suspended", ends, datetime(2022, 1, 14, tzinfo=UTC))
    assert refused.code == "R5.term_ended"


def test_r1_the_renewed_term_starts_the_day_after_the_last_day(documented):
    changes = mirror(documented, _wire(**RENEWED))
    assert as_utc(documented.term_start) == datetime(2022, 1, 14, tzinfo=UTC)
    assert documented.renewed_on == date(2022, 1, 14)
    assert as_utc(documented.term_end) == datetime(2023, 1, 14, tzinfo=UTC)
    assert any(c.startswith("renewed: new term 2022-01-14") for c in changes)


def test_s3_cancelling_on_day_7_after_a_renewal_is_allowed(documented, world):
    mirror(documented, _wire(**RENEWED))
    db.session.commit()
    user = world.reseller_a_user
    assert _cancel_refusal(documented, user, datetime(2022, 1, 20, 12, tzinfo=UTC)) is None
    assert _cancel_refusal(documented, user, datetime(2022, 1, 21, 0, 1, tzinfo=UTC)) == \
        "S3.cancellation_window_closed"


def test_s3_partner_centers_cancellation_allowed_until_date_decides_the_window(documented,
                                                                              world):
    # Partner Center may close the window before 168 hours after the term's start: its
    # cancellationAllowedUntilDate is "the last date that the partner can cancel".
    mirror(documented, _wire(**RENEWED | {"cancellationAllowedUntilDate":
                                          "2022-01-18T00:00:00Z"}))
    db.session.commit()
    assert _cancel_refusal(documented, world.reseller_a_user,
                           datetime(2022, 1, 19, tzinfo=UTC)) == "S3.cancellation_window_closed"


def test_s3_a_cancellation_date_of_an_earlier_term_is_not_this_terms_window(documented,
                                                                            world):
    # The mirror still holds the first term's date after a renewal it saw without one: the
    # 168 hours from the renewal decide.
    documented.cancellation_allowed_until = datetime(2021, 1, 21, 16, 57, tzinfo=UTC)
    mirror(documented, _wire(**RENEWED | {"cancellationAllowedUntilDate": None}))
    db.session.commit()
    assert _cancel_refusal(documented, world.reseller_a_user,
                           datetime(2022, 1, 20, 12, tzinfo=UTC)) is None


def test_r2_the_reminder_names_the_renewal_day_and_an_ending_terms_last_day(documented):
    subject, _ = reminders.message(documented)
    assert subject.endswith("renews on 2022-01-14")
    documented.autorenew = False
    subject, text = reminders.message(documented)
    assert subject.endswith("ends on 2022-01-13") and "ends on 2022-01-13:" in text


def test_a_commitment_end_read_a_day_earlier_is_corrected_without_a_renewal(buy):
    # Rows mirrored before this convention hold Microsoft's last day itself as their end:
    # the next sync moves it to the midnight after, and that is no new term.
    with time_machine.travel(datetime(2021, 1, 14, 17, tzinfo=UTC), tick=False):
        sub = buy(term="P1M", quantity=2)
    sub.term_start, sub.term_end = datetime(2021, 1, 14, 16, 57, tzinfo=UTC), \
        datetime(2022, 1, 13, tzinfo=UTC)
    mirror(sub, _wire())
    assert as_utc(sub.term_end) == datetime(2022, 1, 14, tzinfo=UTC)
    assert as_utc(sub.term_start) == datetime(2021, 1, 14, 16, 57, tzinfo=UTC)
    assert sub.renewed_on is None
