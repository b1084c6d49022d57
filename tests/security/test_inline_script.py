"""No template holds inline script, an on…= handler, a style attribute or a <style> block:
the Content-Security-Policy (storefront/headers.py) allows script and style only from our
own files, so behaviour lives in static/behaviour.js, wired by data- attributes, and looks
in static/style.css. test_headers.py checks every page as served against the same list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "storefront" / "templates"
# What a strict policy must not allow, in a template's source or in any page as served.
INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "inline event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S),
    "<style> block": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_holds_inline_script_handlers_or_styles(path):
    source = path.read_text(encoding="utf-8")
    assert not [name for name, pattern in INLINE.items() if pattern.search(source)]
