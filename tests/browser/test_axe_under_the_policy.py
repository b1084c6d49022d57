"""The accessibility check itself works on our pages, under their strict Content-Security-
Policy: axe-core from the npm package runs there and names a serious issue when one exists,
so a journey with no findings means none, not a check that never ran."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.axe import violations


def test_axe_runs_under_the_policy_and_names_a_field_without_a_label(page: Page, live_server,
                                                                      app):
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto(f"{live_server}/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations(page) == []

    # The label of the email field no longer points at it: a critical issue for axe.
    page.evaluate("document.querySelector('label[for=email]').removeAttribute('for')")
    assert "label (critical): Form elements must have labels at #email" in violations(page)
    assert refused == []  # axe needed nothing the policy refuses
