"""Every page each role reaches in normal use, on a 1280 px screen and a 390 px phone, with
the demo's data: the page never scrolls sideways, axe-core (tests/browser/axe.py) finds
no serious or critical accessibility issue (#20, Tests), each heading row keeps its
actions together, no one-word label is squeezed until its word breaks, and on the wide
screen a one-line form keeps each field beside its label and no table scrolls sideways;
on the phone a heading's status badge stays a badge.

The pages are found the way a user finds them, by following links: the role's menu and
home, every list they lead to, and the first record of each kind each list links to (an
order, a customer, an invoice, a subscription, its cancel page …); a buyer also fills the
cart, so the cart and its checkout form are checked with lines in them. New pages are
covered as soon as a menu or a list links to them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from demo import load as demo
from provisioning.jobs import provision_order
from tests.browser.axe import violations

WIDTHS = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ROLES = {  # one sign-in per role of the demo (demo/load.py SIGN_INS)
    "admin": demo.SIGN_INS[0], "reseller": demo.SIGN_INS[1], "direct customer": demo.SIGN_INS[3]}
MAX_PAGES = 60  # a crawl that finds more has met a link loop, not more pages
# Not pages: files, JSON, the API, sign-out, and links that leave for Partner Center's
# download servers or Microsoft's sign-in.
NOT_A_PAGE = re.compile(r"\.(csv|pdf|json)$|/download$|^/api/|^/static/|^/logout|/healthz")
# Lists whose default view is a filter that may be empty: their every row, too.
EXTRA = ["/admin/orders?status=all"]
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# A page's heading row holds its title and one group of actions: a third child is spread
# across the row by the layout's space-between (Billing's two buttons were, one mid-page).
SPREAD_HEADINGS = """() => [...document.querySelectorAll('main .heading')]
  .filter(h => h.children.length > 2).map(h => h.firstElementChild.textContent.trim())"""
# A one-word label or button is never broken inside its word: a field at full width beside
# it took the row and squeezed "Term" into "Ter m", "Status" into "Statu s" and the
# enrollments' "Filter" button into "Filt er".
SQUEEZED_LABELS = """() => [...document.querySelectorAll(
    'main label, main button, main a.button')].flatMap(label => {
  const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
  const word = text ? text.textContent.trim() : "";
  if (!word || /\\s/.test(word)) return [];
  const range = document.createRange();
  range.selectNodeContents(text);
  const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
    .map(r => Math.round(r.top)));
  return lines.size > 1 ? [word] : [];
})"""
# On the wide screen a one-line form keeps each field beside its label's text, not under
# it (the orders filter's dates sat under "From" and "To" in a row squeezed to 520 px).
STACKED_LABELS = """() => [...document.querySelectorAll(
    'main form.filters label, main form.row-form label')].filter(label => {
  const field = label.querySelector('select, input');
  return field && label.getBoundingClientRect().height >
    field.getBoundingClientRect().height + 4;
}).map(label => label.textContent.trim().split(/\\s+/)[0])"""
# On the wide screen no table needs its own sideways scroll (the admin's invoice list hid
# its balance due, and the shop's offers in yuan their margins, past the right edge).
SCROLLED_TABLES = """() => [...document.querySelectorAll('main .table-scroll')]
  .filter(box => box.scrollWidth > box.clientWidth + 2)
  .map(box => (box.closest('section, main').querySelector('h1, h2') || {}).textContent)"""
# On a phone a heading row stacks; its status badge stays a badge, not a full-width bar.
STRETCHED_BADGES = """() => [...document.querySelectorAll('main .heading > .badge')]
  .filter(badge => badge.getBoundingClientRect().width >
    badge.parentElement.getBoundingClientRect().width / 2)
  .map(badge => badge.textContent.trim())"""
# What a page says is in words: no value the code forgot to put in words slips through (a
# Python None or Decimal, a raw ISO term such as P1Y, an ISO timestamp, a template's
# braces, a script's undefined).
SLIPS = re.compile(r"\bNone\b|\bnan\b|\bundefined\b|Decimal\(|\bP[13][MY]\b|"
                   r"\d{4}-\d\d-\d\dT\d\d:|\{\{|\}\}|\{%|\[\]|\{'")
LINKS = """() => [...document.querySelectorAll('header a[href], main a[href]')]
  .filter(a => a.origin === location.origin).map(a => a.pathname)"""


def kind(path: str) -> str:
    """Records of one kind share a path but for their ids: /orders/4 and /orders/7."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def fill_cart(page: Page, base: str) -> str | None:
    """A buyer puts the first offer in the cart (a reseller for its first customer), so the
    cart shows its lines and the checkout form; returns the cart's address."""
    page.goto(base + "/shop")
    if page.get_by_role("button", name="Add to cart").count() == 0:
        buying_for = page.get_by_label("Buying for")
        if not buying_for.count():
            return None
        buying_for.select_option(index=1)
        page.wait_for_url(re.compile(r"/shop\?customer=\d+"))
    page.get_by_role("button", name="Add to cart").first.click()
    expect(page.locator("#mca")).to_be_visible()
    return page.evaluate("location.pathname + location.search")


def place_order(page: Page) -> str:
    """From the filled cart, as a buyer does: accept the MCA when asked, place the order;
    returns where that led (the new order, or the cart saying what to fix)."""
    accept = page.get_by_label(re.compile(r"accept.* Microsoft Customer Agreement"))
    if accept.count() and accept.is_visible():
        accept.check()
        page.get_by_role("button", name=re.compile("^Record (acceptance|confirmation)$")).click()
        expect(page.locator("#mca .badge.ok")).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_load_state()
    return page.evaluate("location.pathname + location.search")


def check(page: Page, base: str, path: str, problems: list[str]) -> list[str]:
    """Open one page, note what is wrong with it, and return the paths it links to."""
    response = page.goto(base + path)
    if response is None or not page.url.startswith(base):
        return []
    # A page's own link that answers "forbidden" or "not found" is a dead end for the role
    # (422 is a refusal page that says why, e.g. a cancel window that closed).
    if response.status >= 500 or response.status in (403, 404):
        problems.append(f"{path}: HTTP {response.status}")
    width, inner = page.evaluate(WIDTH)
    if width > inner:
        problems.append(f"{path}: {width} px wide in a {inner} px window")
    problems.extend(f"{path}: {issue}" for issue in violations(page))
    problems.extend(f"{path}: says {slip!r}" for slip in
                    {m[0] for m in SLIPS.finditer(page.locator("main").inner_text())})
    problems.extend(f"{path}: heading {title!r} has its actions apart, not in one group"
                    for title in page.evaluate(SPREAD_HEADINGS))
    problems.extend(f"{path}: the label or button {label!r} is broken inside its word"
                    for label in page.evaluate(SQUEEZED_LABELS))
    if inner >= 1000:
        problems.extend(f"{path}: the field of {label!r} sits under its label"
                        for label in page.evaluate(STACKED_LABELS))
        problems.extend(f"{path}: the table under {heading!r} scrolls sideways"
                        for heading in page.evaluate(SCROLLED_TABLES))
    else:
        problems.extend(f"{path}: the badge {badge!r} stretches across its heading"
                        for badge in page.evaluate(STRETCHED_BADGES))
    return page.evaluate(LINKS)


def buy(page: Page, base: str, pc_client) -> list[str]:
    """A buyer fills the cart and places the order, which a worker then provisions (so the
    buyer has a subscription too); the cart and the order page, to check."""
    cart = fill_cart(page, base)
    if cart is None:
        return []
    placed = place_order(page)
    if found := re.fullmatch(r"/orders/(\d+)", placed):
        provision_order(int(found[1]), pc_client)
    return [cart, placed]


def journey(page: Page, base: str, pc_client) -> tuple[list[str], list[str]]:
    """Every page the signed-in role reaches (one of each kind), and what was wrong."""
    queue = ["/", "/account", "/notifications"]
    queue += [p for p in EXTRA if page.locator(f'header a[href="{urlsplit(p).path}"]').count()]
    if page.locator('header a[href="/shop"]').count():
        queue += buy(page, base, pc_client)
    seen, visited, problems = {kind(p) for p in queue}, [], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        visited.append(path)
        for link in check(page, base, path, problems):
            if not NOT_A_PAGE.search(link) and kind(link) not in seen:
                seen.add(kind(link))
                queue.append(link)
    return visited, problems


@pytest.mark.parametrize("width", WIDTHS, ids=WIDTHS)
@pytest.mark.parametrize("role", ROLES, ids=ROLES)
def test_every_page_of_the_role_fits_the_screen_and_has_no_serious_accessibility_issue(
        browser: Browser, live_server, app, pc_client, role, width):
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    demo.load()
    context = browser.new_context(locale="en-US", viewport=WIDTHS[width])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, *ROLES[role][:2])
        visited, problems = journey(page, live_server, pc_client)
    finally:
        context.close()
    assert len(visited) >= 12, visited  # the crawl reached the role's lists and records
    assert problems == [], "\n".join(problems)
