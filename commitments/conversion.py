"""Subscription conversion into the enrollment: one-way, after account ownership is confirmed.

Seed 000, "Subscription Conversion": trial or Online Purchase subscriptions are associated to
the enrollment and then bill against it; "the conversion is one-way only meaning once the
subscription is converted to enterprise subscription, it cannot be converted back to Online
Purchase or trial subscription". "To associate an existing offer with the enrollment, it
requires confirmation of account ownership":
  Step 1. the Enterprise Administrator adds the Org ID as an account owner;
  Step 2. that owner is notified they have been invited to activate their account;
  Step 3. the owner confirms account ownership by signing in with that Org ID.
Only then may the account take converted subscriptions (O7: still at most 199 each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from commitments.accounts import Account, subscription_capacity_problems
from commitments.problems import Problem, problem

RULE = "O7"


class Offer(StrEnum):
    """Offers a subscription may be converted from."""

    ONLINE_PURCHASE = "online_purchase"
    TRIAL = "trial"


class Step(StrEnum):
    """Where an account is in the ownership confirmation the seed lists."""

    OWNER_ADDED = "owner_added"  # step 1
    OWNER_INVITED = "owner_invited"  # step 2
    OWNERSHIP_CONFIRMED = "ownership_confirmed"  # step 3


@dataclass(frozen=True)
class Ownership:
    """An account's confirmation facts: when its owner was invited and confirmed."""

    owner: str
    invited_on: date | None = None
    confirmed_on: date | None = None

    @property
    def step(self) -> Step:
        if self.confirmed_on is not None:
            return Step.OWNERSHIP_CONFIRMED
        return Step.OWNER_INVITED if self.invited_on else Step.OWNER_ADDED


def confirmation_problems(ownership: Ownership, org_id: str) -> list[Problem]:
    """Step 3: the Org ID given must be the account owner's, and confirmed only once."""
    if ownership.confirmed_on is not None:
        message = f"Ownership was already confirmed on {ownership.confirmed_on}."
        return [problem(RULE, "ownership_already_confirmed", message, "owner_org_id")]
    if org_id.strip().lower() != ownership.owner:
        message = "Sign in with the Org ID the Enterprise Administrator added as account owner."
        return [problem(RULE, "not_the_account_owner", message, "owner_org_id")]
    return []


def conversion_problems(
    account: Account,
    ownership: Ownership,
    subscription_id: str,
    from_offer: str,
    enrolled_in: str | None,
) -> list[Problem]:
    """Why the subscription cannot be converted into `account`; `enrolled_in` is the number of
    an enrollment already holding it (conversion is one-way: never again, never back)."""
    found = []
    if enrolled_in is not None:
        message = (f"{subscription_id} is already an enterprise subscription of {enrolled_in}; "
                   "conversion is one-way and it cannot be converted back to Online Purchase "
                   "or trial.")
        found.append(problem(RULE, "conversion_is_one_way", message, "subscription_id"))
    if from_offer not in {o.value for o in Offer}:
        message = "Only Online Purchase or trial subscriptions convert into the enrollment."
        found.append(problem(RULE, "conversion_is_one_way", message, "from_offer"))
    if ownership.step is not Step.OWNERSHIP_CONFIRMED:
        message = (f"The account owner {ownership.owner} must confirm account ownership "
                   "(step 3) before subscriptions convert.")
        found.append(problem(RULE, "account_ownership_unconfirmed", message, "account"))
    return found + subscription_capacity_problems(account)
