"""Password policy (NIST SP 800-63B 5.1.1.2, OWASP ASVS 2.1).

A password has at least 12 and at most 128 characters and is not one of the common
passwords shipped in config/data/common-passwords.txt (compared lower-cased, surrounding
spaces ignored, as the list is lower-cased). There are no composition rules and no expiry:
the standard advises against both, since they push people to predictable patterns.
Every place that sets a password (sign-up, an admin adding a user, a password change, the
CLI, the demo) goes through `check`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import config

MIN_LENGTH = 12
# What a form says under a new password's field, before anything is refused.
HINT = f"At least {MIN_LENGTH} characters; not one of the most common passwords."
MAX_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed; a bound keeps hashing cheap
COMMON_PASSWORDS = Path(config.__file__).with_name("data") / "common-passwords.txt"


class WeakPassword(ValueError):
    """A password the policy refuses; the message says which rule and how to fix it."""


def problem(password: str) -> str | None:
    """What is wrong with this password, in words for the person choosing it; None if fine."""
    if len(password) < MIN_LENGTH:
        return (f"A password needs at least {MIN_LENGTH} characters; a few unrelated words "
                "make a good one.")
    if len(password) > MAX_LENGTH:
        return f"A password has at most {MAX_LENGTH} characters."
    if password.strip().lower() in common_passwords():
        return ("This password is on the list of the most common passwords; choose one "
                "nobody would guess.")
    return None


def check(password: str) -> None:
    """Raise WeakPassword when the policy refuses the password."""
    message = problem(password)
    if message is not None:
        raise WeakPassword(message)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read once; a line starting with "# " is a comment."""
    with COMMON_PASSWORDS.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle
                         if not line.startswith("# ") and line.strip())
