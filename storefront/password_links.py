"""Choosing a password from an emailed link.

The forgotten-password link (storefront/recovery.py) and the invitation (storefront/team.py)
take the same steps — the link must work, the form asks for the password twice, the
password must be strong, the link is used up once it is set — and differ only in what
setting the password does and what the pages say. A link that does not work (unknown,
used, expired) gets one page wherever it was followed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from accounts import links
from accounts.models import User
from accounts.passwords import WeakPassword
from storefront.errors import render_error
from storefront.team_forms import ChoosePasswordForm


@dataclass(frozen=True)
class PasswordLink:
    """What differs between the links that let someone choose a password."""

    template: str  # the form's page; it gets `form` and `link` (what `pending` returned)
    pending: Callable[[str, datetime], Any]  # the link's record; raises links.LinkInvalid
    choose: Callable[[str, str, datetime], User]  # sets the password, uses the link up
    lost: str  # what to do next when the link does not work
    chosen: Callable[[User], str]  # the message once the password is set
    # Other refusals of `choose` and the answer to each (e.g. an address taken meanwhile).
    refusals: Mapping[type[Exception], Callable[[], Response]] = field(default_factory=dict)


def choose_password(link: PasswordLink):
    """The link's page (GET) and the password it sets (POST), then on to sign in."""
    secret, now = request.args.get("token", ""), datetime.now(UTC)
    try:
        pending = link.pending(secret, now)
    except links.LinkInvalid:
        return link_invalid(link.lost)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = link.choose(secret, form.password.data, now)
        except links.LinkInvalid:  # used up or expired while the form was open
            return link_invalid(link.lost)
        except WeakPassword as weak:
            form.password.errors.append(str(weak))
        except tuple(link.refusals) as refused:
            return link.refusals[type(refused)]()
        else:
            flash(link.chosen(user), "success")
            return redirect(url_for("auth.login"))
    return render_template(link.template, form=form, link=pending), \
        422 if form.errors else 200


def link_invalid(what_now: str):
    """The page for an unknown, withdrawn, used or expired emailed link."""
    return render_error(404, "This link does not work", (
        "The link is unknown, withdrawn, already used, or expired: each emailed link works "
        f"once, for a limited time. {what_now}"))
