"""Form fuzz run: every form of every page, as every role, posted with hostile values.

    .venv/bin/python -m pytest bench/fuzz/test_form_fuzz.py \
        -p connectors.partner_center.sandbox.fixtures -q   # FUZZ_FORM_EXAMPLES=100 for more

Each role signs in, reads every page it may see, collects each form (its action, fields and
their offered values) and posts it FUZZ_FORM_EXAMPLES times with each field either a value
the page offered or a hostile one (huge numbers, NUL, markup, formula cells, wildcards,
impossible dates, long text, non-ASCII digits). Any 5xx or exception fails the run; the
statuses are summed at the end. Not part of `make test`.
"""

from __future__ import annotations

import os
import random
import traceback
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import url_for

from tests.conftest import csrf_token, login
from tests.test_access_matrix import (
    ADMIN,
    CUSTOMER,
    GUEST,
    RESELLER,
    owned_objects,  # noqa: F401 -- the fixture the URLs' ids come from
    url_args,
    user_for,
)

EXAMPLES = int(os.environ.get("FUZZ_FORM_EXAMPLES", "30"))
HOSTILE = ["", " ", "0", "-1", "1e309", "NaN", "99999999999999999999999", "-0.000001",
           "12,50", "١٢٣", "\x00", "a\x00b", "x" * 5000, "<script>alert(1)</script>",
           "' OR 1=1 --", "%", "_", "=HYPERLINK(\"http://x\")", "+cmd", "@SUM(A1)",
           "2026-02-30", "0000-00-00", "9999-12-31", "../../etc/passwd", "[]", "{}", "true",
           "ü𝔘漢字", "\u202e", "  padded  ", "a@b", "x@" + "y" * 300 + ".com",
           "P1Y", "monthly", "US", "ZZ", "CFQ7TTC0LDPB:0001", "-5", "2147483648"]
SKIP = {"auth.logout"}  # ends the session the run needs; covered by the suite


class Forms(HTMLParser):
    """Each <form method=post>: its action and, per field name, the values it offers."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self._form = page_url, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or self.page_url, "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "option"):
            if tag == "option":
                if self._select:
                    self._form["fields"].setdefault(self._select, []).append(
                        a.get("value") or "")
                return
            name = a.get("name")
            if tag == "select":
                self._select = name
            if name:
                self._form["fields"].setdefault(name, [])
                if a.get("value") is not None:
                    self._form["fields"][name].append(a["value"])

    _select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def pages(app, world, role):
    """Every GET page of the app, with the role's own objects in its URL."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api.") or \
                "GET" not in rule.methods:
            continue
        with app.test_request_context():
            yield url_for(rule.endpoint, **url_args(rule, world, False, role))


def collect_forms(app, client, world, role) -> list[dict]:
    found = {}
    for url in pages(app, world, role):
        response = client.get(url)
        body = response.get_data()  # drains a streamed export (CSV) too; PDFs are bytes
        response.close()
        if response.status_code >= 500:
            pytest.fail(f"GET {url} as {role}: {response.status_code}")
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        parser = Forms(url)
        parser.feed(body.decode())
        for form in parser.forms:
            action = urlsplit(form["action"]).path
            if action and not any(action.endswith(s) for s in ("/logout",)):
                found.setdefault(action, form["fields"])
    return list(found.items())


@pytest.mark.parametrize("role", [GUEST, ADMIN, RESELLER, CUSTOMER])
def test_no_form_post_answers_5xx(app, client, world, statuses, not_found, role):
    app.config.update(LOGIN_THROTTLE_ENABLED=False)
    rng = random.Random(f"forms-{role}")
    if role != GUEST:
        assert login(client, user_for(world, role)).status_code == 302
    failures, token = [], csrf_token(client, "/login" if role == GUEST else "/")
    for action, fields in collect_forms(app, client, world, role):
        for _ in range(EXAMPLES):
            data = {name: rng.choice(offered) if offered and rng.random() < 0.5
                    else rng.choice(HOSTILE) for name, offered in fields.items()}
            data["csrf_token"] = token
            try:
                response = client.post(action, data=data)
            except Exception:  # noqa: BLE001 -- the run reports every escape, then fails
                failures.append(f"POST {action} as {role}: {traceback.format_exc()}")
                continue
            statuses[response.status_code] += 1
            if response.status_code == 404:
                not_found[f"{role} {action}"] += 1
            if response.status_code >= 500:
                failures.append(f"POST {action} as {role}: {response.status_code} {data!r}")
            if role != GUEST and response.status_code == 302 and \
                    "/login" in response.headers.get("Location", ""):
                login(client, user_for(world, role))  # a post that ended the session
                token = csrf_token(client, "/")
    assert not failures, "\n".join(failures[:20])
