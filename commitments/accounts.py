"""O7: an enrollment's accounts each hold at most 199 subscriptions.

Seed 000: "there is no limitation for customers to create account and each account can create
up to 199 subscriptions." The 199th subscription is accepted; the 200th is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commitments.problems import Problem, problem, refuse_if_any

RULE = "O7"
MAX_SUBSCRIPTIONS_PER_ACCOUNT = 199


@dataclass(frozen=True)
class Account:
    """An organisational unit of the enrollment that owns subscriptions."""

    name: str
    owner: str
    subscription_ids: frozenset[str] = field(default_factory=frozenset)


def subscription_capacity_problems(account: Account, adding: int = 1) -> list[Problem]:
    """O7.subscription_limit when `adding` more subscriptions would exceed 199."""
    if len(account.subscription_ids) + adding <= MAX_SUBSCRIPTIONS_PER_ACCOUNT:
        return []
    message = (
        f"Account {account.name!r} already has {len(account.subscription_ids)} subscriptions; "
        f"an account holds at most {MAX_SUBSCRIPTIONS_PER_ACCOUNT}. Create another account."
    )
    return [problem(RULE, "subscription_limit", message, "account")]


def add_subscription(account: Account, subscription_id: str) -> Account:
    """The account with one more subscription, or CommitmentRefused at the limit."""
    if subscription_id in account.subscription_ids:
        return account
    refuse_if_any(subscription_capacity_problems(account))
    return Account(account.name, account.owner, account.subscription_ids | {subscription_id})
