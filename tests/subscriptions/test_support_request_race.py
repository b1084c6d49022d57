"""B3: a support request is answered once. Two provider admins answering one request in
review at the same moment (both approving it, or one approving and one declining) take
turns, on both databases: the first answer stands, the second is refused as a step no
longer allowed; one refund is granted and the requester is told once. Both used to pass
the status check, so the requester was told "approved" and "declined" while the refund
was granted all the same."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from accounts.models import User
from notifications import email, notify
from notifications.models import OutboxEmail
from persistence import db
from subscriptions import support_answers as answers
from subscriptions import support_requests as support
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.support_models import SUPPORT_REFUND, SupportRequest
from tests.api.factories import make_subscription
from tests.races import race

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORM = {"reason": "The customer closed the branch this was bought for.",
        "amount": "120.50", "contact_name": "Ann Example",
        "contact_email": "a@test.example", "contact_phone": "+49 30 555 1000"}


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def link(req: SupportRequest) -> str:
    return f"/support-requests/{req.id}"


@pytest.mark.parametrize("second", ["approved", "declined"])
def test_b3_two_admins_answering_one_support_request_at_once_refund_it_once(app, world,
                                                                           second):
    late = make_subscription(world.customer_a, world.price, quantity=3,
                             purchased_at=START - timedelta(days=8))
    filed = support.file(late, world.reseller_a_user, FORM, notify, link, now=START)
    answers.move(filed, "in_review", "", world.admin, notify, link, email)
    request_id, admin_id = filed.id, world.admin.id

    def answer():
        target = "approved" if threading.current_thread().name == "A" else second
        answers.move(db.session.get(SupportRequest, request_id), target, "Answered.",
                     db.session.get(User, admin_id), notify, link, email)
        return target

    waited, outcomes = race({"A": app, "B": app}, "subscription_events", answer)
    assert waited and outcomes["A"] == "approved"
    refused = outcomes["B"]
    assert isinstance(refused, support.SupportRequestRefused)
    assert refused.codes == ("S3.support_step_not_allowed",)
    assert db.session.scalar(select(SupportRequest.status)) == "approved"
    assert db.session.scalar(select(func.count()).select_from(SubscriptionEvent).where(
        SubscriptionEvent.kind == SUPPORT_REFUND)) == 1
    told = db.session.scalars(select(OutboxEmail.subject).where(
        OutboxEmail.to == world.reseller_a_user.email)).all()
    assert told == [f"Support request {filed.number}: In review",
                    f"Support request {filed.number}: Approved"]


def test_b3_one_refund_form_sent_twice_at_once_files_one_request(app, world):
    """A double click on "File": both used to pass and file a request for the same refund,
    which approving both would have granted twice."""
    late = make_subscription(world.customer_a, world.price, quantity=3,
                             purchased_at=START - timedelta(days=8))
    sub_id, user_id = late.id, world.reseller_a_user.id

    def file_it():
        return support.file(db.session.get(Subscription, sub_id),
                            db.session.get(User, user_id), FORM, notify, link, now=START).number

    waited, outcomes = race({"A": app, "B": app}, "support_requests", file_it)
    assert waited and isinstance(outcomes["A"], str)
    refused = outcomes["B"]
    assert isinstance(refused, support.SupportRequestRefused)
    assert refused.codes == ("S3.support_request_open",)
    assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == 1
