"""What the enrollment and subscription pages show about usage, services and dunning (O5, O8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commitments import termination, unpaid
from commitments.dunning import unpaid_overage
from commitments.notices import EnrollmentFacts, UsageFrequency
from commitments.records import mapping, models
from commitments.records.subscription_states import ACTIVE
from commitments.records.usage import subscriptions_of, totals_by_subscription
from commitments.schedule import PaymentAdviceTimeline

FREQUENCY_LABELS = {"": "No periodic usage notifications", UsageFrequency.DAILY.value: "Daily",
                    UsageFrequency.WEEKLY.value: "Weekly (Mondays)",
                    UsageFrequency.MONTHLY.value: "Monthly (on the 1st)"}


@dataclass(frozen=True)
class Unpaid:
    """An unpaid commitment invoice or overage month: what is owed, as its payment advice says
    it, and the advice, reminders and suspension it is dunned by (O8)."""

    owed: str
    advice: PaymentAdviceTimeline


@dataclass(frozen=True)
class Dunning:
    """Where the enrollment stands in the seed's suspension and termination schedule."""

    commitment: Unpaid | None = None
    overage: Unpaid | None = None
    reminder_on: date | None = None
    notification_on: date | None = None
    terminate_on: date | None = None


def dunning(row: models.Enrollment, today: date) -> Dunning | None:
    """The dunning dates of an unpaid commitment and of unpaid overage, from the schedules the
    daily job follows, or those of the dunning to termination."""
    facts = mapping.to_facts(row)
    state = facts.enrollment
    if state.status_since and state.suspension_reason in termination.NON_PAYMENT \
            and termination.payment_outstanding(facts, today) and row.status == "suspended":
        reminder, notification, terminate_on = termination.termination_dates(state.status_since)
        return Dunning(reminder_on=reminder, notification_on=notification,
                       terminate_on=terminate_on)
    if row.status != "active":
        return None
    commitment, overage = _unpaid_commitment(facts, today), _unpaid_overage(facts, today)
    return Dunning(commitment, overage) if commitment or overage else None


def _unpaid_commitment(facts: EnrollmentFacts, today: date) -> Unpaid | None:
    """The oldest commitment invoices past their term unpaid (commitments.unpaid)."""
    late = unpaid.unpaid_on(facts, today)
    if not late:
        return None
    invoices = late[min(late)]
    timeline = unpaid.commitment_advice_timeline(max(i.due_on for i in invoices))
    return Unpaid(unpaid.owed(invoices, today), timeline)


def _unpaid_overage(facts: EnrollmentFacts, today: date) -> Unpaid | None:
    """The oldest month of overage stated and not settled (commitments.dunning)."""
    months = unpaid_overage(facts, today)
    return Unpaid(months[0].owed, months[0].advice) if months else None


def subscription_choices(row: models.Enrollment) -> list[tuple[str, str]]:
    """The usage form's subscriptions, named with their account (O5)."""
    return [("", "Not attributed to a subscription")] + [
        (s.subscription_id, f"{s.account.name} · {s.subscription_id} ({s.status})")
        for s in subscriptions_of(row)]


def page(row: models.Enrollment, today: date) -> dict:
    """Template values: subscriptions with their status and cost, the notification choice,
    and the dunning dates."""
    subscriptions = subscriptions_of(row)
    return {
        "ospa_subscriptions": subscriptions,
        "subscription_totals": totals_by_subscription(row),
        "stopped_subscriptions": [s for s in subscriptions if s.status != ACTIVE],
        "usage_frequency": row.usage_frequency or "",
        "frequency_labels": FREQUENCY_LABELS,
        "dunning": dunning(row, today),
    }
