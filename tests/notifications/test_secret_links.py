"""The sealing rule on its own: a token in clear never comes back out of sealed() or
redacted(); only opened(), under the same key, gives it back."""

from __future__ import annotations

import pytest

from notifications.secret_links import Unreadable, opened, redacted, sealed

KEY = "test-only-not-secret"
SECRET = "Zx9_q-Ab3" * 4
MAIL = f"Open this link within 1 hour:\n\nhttps://shop.test/password/reset?token={SECRET}\n\nBye"


def test_a_sealed_email_holds_no_token_and_opens_to_the_exact_text():
    stored = sealed(MAIL, KEY)
    assert SECRET not in stored and "https://shop.test/password/reset?token=[sealed:" in stored
    assert opened(stored, KEY) == MAIL


def test_sealing_twice_keeps_the_first_seal():
    stored = sealed(MAIL, KEY)
    assert sealed(stored, KEY) == stored


def test_a_token_after_another_parameter_is_sealed_too():
    text = f"https://shop.test/team/join?x=1&token={SECRET}"
    assert SECRET not in sealed(text, KEY) and opened(sealed(text, KEY), KEY) == text


def test_links_without_a_token_and_other_parameters_named_like_it_are_left_alone():
    text = "https://shop.test/orders/4\nhttps://shop.test/x?csrf_token=abc&access_token=def"
    assert sealed(text, KEY) == text and redacted(text) == text


def test_redacting_removes_a_token_sealed_or_in_clear():
    assert redacted(MAIL) == redacted(sealed(MAIL, KEY))
    assert SECRET not in redacted(MAIL) and "?token=[redacted]\n" in redacted(MAIL)
    assert "sealed" not in redacted(sealed(MAIL, KEY))


def test_a_seal_opens_only_under_the_key_that_made_it():
    with pytest.raises(Unreadable, match="another SECRET_KEY"):
        opened(sealed(MAIL, KEY), "another-key")


def test_a_redacted_token_cannot_be_sent():
    with pytest.raises(Unreadable, match="removed before it was sent"):
        opened(redacted(MAIL), KEY)
