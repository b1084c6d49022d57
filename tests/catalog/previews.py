"""Price changes go through a preview (catalog/price_changes.py): post, read the
preview's fingerprint, post again with it to save."""

from __future__ import annotations

import re

from tests.conftest import post_form

FINGERPRINT_RE = re.compile(r'name="fingerprint" value="([0-9a-f]+)"')


def fingerprint_of(html: str) -> str:
    found = FINGERPRINT_RE.search(html)
    assert found, "the page is not a preview"
    return found[1]


def preview_then_save(client, url: str, data: dict, *, token_url: str | None = None):
    """Preview a change, then save exactly it; returns the save's response."""
    preview = post_form(client, url, data, token_url=token_url)
    assert preview.status_code == 200, preview.status_code
    previewed = fingerprint_of(preview.get_data(as_text=True))
    return post_form(client, url, {**data, "fingerprint": previewed}, token_url=token_url)
