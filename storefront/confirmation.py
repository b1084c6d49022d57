"""Confirmation before a destructive action: the consequence is said first, and the action
runs only on a second, deliberate step.

A destructive POST runs only with confirm=yes. Its form on the page carries the consequence
(`data-confirm`, written by the _confirm.html macro), and static/confirm.js asks in a
<dialog> before it sends confirm=yes. Without script, or from any other client, the POST
arrives without it, and `unconfirmed` answers with a confirmation page that says the
consequence and posts the same fields again with confirm=yes (422: nothing was done; a
JSON client is told the field and the fix). So nothing harmful happens on one click, with
or without JavaScript.

Each consequence is written once, in storefront/consequences.py (ending someone's access:
storefront/access_consequences.py): the dialog and the confirmation page read the same
sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, jsonify, render_template, request, url_for

from storefront.errors import wants_json

CONFIRM_FIELD = "confirm"


@dataclass(frozen=True)
class Consequence:
    """What a destructive action does, as its confirmation says it."""

    action: str  # the confirming button, e.g. "Stop selling Microsoft 365 E3"
    text: str  # what will happen, in plain words
    # A statement the person must tick for the action to take it (field name, label), e.g.
    # closing an order Partner Center could not be asked about; None when there is none.
    checkbox: tuple[str, str] | None = None
    # Submitted fields the confirmation posts with other values: what the confirmation
    # itself showed, for the action to compare (e.g. the seats it counted from).
    resent: tuple[tuple[str, str], ...] = ()


def confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "yes"


def unconfirmed(consequence: Consequence | None, *, again: bool = False):
    """The answer to a POST that needs confirming and lacks it; None when the action may
    run (it harms nothing, or confirm=yes came with it). `again`: what was confirmed is no
    longer what would be done (the figures moved since), so it is asked again, with the
    new figures, even with confirm=yes."""
    if consequence is None or (confirmed() and not again):
        return None
    if wants_json():
        return jsonify(error={
            "status": 422, "title": "Confirmation required", "field": CONFIRM_FIELD,
            "detail": f"{consequence.text} Send {CONFIRM_FIELD}=yes"
                      f"{_with(consequence.resent)} to go ahead."}), 422
    return render_template("confirm.html", consequence=consequence,
                           fields=_resent_fields(dict(consequence.resent)),
                           action=request.full_path.removesuffix("?"),
                           back=_back_url()), 422


def _with(resent: tuple[tuple[str, str], ...]) -> str:
    return "".join(f" and {name}={value}" for name, value in resent)


def _resent_fields(replaced: dict[str, str]) -> list[tuple[str, str]]:
    """The submitted fields, posted again on confirmation (the page adds a fresh CSRF
    token and confirm=yes itself), those `replaced` names with its values."""
    sent = [(name, value) for name, value in request.form.items(multi=True)
            if name not in (CONFIRM_FIELD, "csrf_token", *replaced)]
    return sent + list(replaced.items())


def _back_url() -> str:
    """Where "Go back" leads: the page the button was on, when it is one of ours."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and not referrer.endswith(request.path):
        return referrer
    return url_for("main.home")


def register(app: Flask) -> None:
    from storefront import access_consequences, consequences

    app.add_template_global(consequences, "consequences")
    app.add_template_global(access_consequences, "access_consequences")
