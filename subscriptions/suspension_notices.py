"""R5: the email a suspension sends, to the buyer's users and to the provider's admins.

It says what the admin's confirmation said (storefront/consequences.suspend_subscription,
from Microsoft's subscription-lifecycle and suspend-a-subscription pages): its users lose
access, billing continues, autorenew was switched off, a change scheduled for the renewal
was removed, and it can be reactivated only until its term ends, after which it is
disabled. Each reader is addressed as who they are: the buyer was suspended "by your
provider"; an admin reads who suspended it. The term's end is its last day as Microsoft
dates it (a UTC day), the same for every reader.
"""

from __future__ import annotations

from collections.abc import Sequence

from accounts.models import User
from notifications import notify
from subscriptions.models import Subscription


def _until(sub: Subscription) -> str:
    ends = sub.last_day
    if ends is None:
        return "until its term ends"
    return f"until its term ends on {ends.isoformat()}"


def consequences(sub: Subscription, removed: str | None) -> str:
    """What the suspension does, in the words the admin confirmed."""
    schedule = (f"The change scheduled for the renewal ({removed}) was removed. "
                if removed else "")
    return (f"Its users cannot use it until it is reactivated, and Microsoft goes on "
            "billing it meanwhile. Autorenew was switched off and stays off after a "
            f"reactivation: turn it on again if it should renew. {schedule}It can be "
            f"reactivated only {_until(sub)}; if it is still suspended then, it is "
            "disabled.")


def _for_buyer(sub: Subscription, removed: str | None) -> str:
    return (f"{sub.title} for {sub.customer.company_name} was suspended by your provider: "
            f"{sub.suspension_reason}\n{consequences(sub, removed)}")


def _for_admin(sub: Subscription, removed: str | None, actor: User, reader: User) -> str:
    who = "you" if reader.id == actor.id else actor.email
    via = f" (reseller {sub.reseller.company_name})" if sub.reseller else ""
    return (f"{sub.title} for {sub.customer.company_name}{via} was suspended by {who}: "
            f"{sub.suspension_reason}\n{consequences(sub, removed)}\nThe buyer's "
            "users were told the same.")


def send(sub: Subscription, removed: str | None, actor: User, owners: Sequence[User],
         admins: Sequence[User]) -> None:
    """Notify the buyer's users and the provider's admins, each in their own words; the
    caller commits. `removed` names the scheduled change it removed, if any."""
    subject, link = f"{sub.title} is suspended", f"/subscriptions/{sub.id}"
    if owners:
        notify(list(owners), subject, _for_buyer(sub, removed), link)
    for admin in admins:
        notify([admin], subject, _for_admin(sub, removed, actor, admin), link)
