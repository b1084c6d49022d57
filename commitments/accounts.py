"""O7: an enrollment's accounts each hold at most 199 subscriptions.

Seed 000: "there is no limitation for customers to create account and each account can create
up to 199 subscriptions." The 199th subscription is accepted; the 200th is refused.

An Azure subscription is named by its GUID, which Azure treats without regard to case: an id
is kept trimmed and in lower case, so "ABC..." and "abc..." are one subscription, held by one
enrollment only (added or converted: never counted or billed twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commitments.problems import Problem, problem, refuse_if_any
from identifiers import guids

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


def normalise_subscription_id(subscription_id: str) -> str:
    """The id as kept and compared: trimmed, in lower case (Azure GUIDs ignore case)."""
    return guids.compact(subscription_id)


def subscription_id_problems(subscription_id: str) -> list[Problem]:
    """O7.subscription_id_not_a_guid unless the id typed is an Azure subscription GUID."""
    if guids.is_valid(subscription_id):
        return []
    message = f"Subscription ID must be the Azure subscription's GUID, such as {guids.EXAMPLE}."
    return [problem(RULE, "subscription_id_not_a_guid", message, "subscription_id")]


def kept_subscription_id(subscription_id: str) -> str:
    """The id as kept, or CommitmentRefused (O7.subscription_id_not_a_guid) unless a GUID:
    every service that stores an id takes it through here, whoever calls it."""
    refuse_if_any(subscription_id_problems(subscription_id))
    return normalise_subscription_id(subscription_id)


def already_enrolled_problems(subscription_id: str, enrolled_in: str | None) -> list[Problem]:
    """O7.subscription_already_enrolled when enrollment `enrolled_in` holds it already: one
    subscription bills against one enrollment, so its usage is counted once."""
    if enrolled_in is None:
        return []
    message = (f"{subscription_id} is already a subscription of enrollment {enrolled_in}; "
               "a subscription belongs to one enrollment account only.")
    return [problem(RULE, "subscription_already_enrolled", message, "subscription_id")]
