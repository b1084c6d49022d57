"""Relative links in email text: a path such as /orders/4 that an email client cannot open."""

from __future__ import annotations

import re

# A path standing on its own: at the start of a line or after a space, bracket, quote or
# "=" (an href), and not the second slash of "//". Slashes inside words and numbers
# (and/or, 24/7, 2025/03) and inside absolute URLs (https://host/orders) do not count.
RELATIVE_LINK = re.compile(r"(?:^|(?<=[\s(\[<\"'=]))/(?!/)[^\s\"'<>()\]]+", re.MULTILINE)


def relative_links(text: str) -> list[str]:
    """Every relative link in an email's body."""
    return RELATIVE_LINK.findall(text or "")
