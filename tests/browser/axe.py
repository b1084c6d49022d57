"""axe-core in the browser journeys: the npm package (tests/browser/package.json, installed
by `make test`; never a CDN), evaluated in the page, failing on serious or critical issues.

The pages' Content-Security-Policy allows script only from our own static files, so a
<script> tag with axe's source would be refused. Playwright's evaluate runs outside the
page's policy, so the source is evaluated there and axe.run() checks the page as it is,
policy and all.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# The failures only, with what a fix needs: the rule, where, and what it asks for.
RUN = """async (blocking) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter(v => blocking.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


@cache
def _source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `make test` (or `npm ci` in "
                                "tests/browser/) to install axe-core from package.json")
    return AXE.read_text(encoding="utf-8") + "\n;true"


def violations(page: Page) -> list[str]:
    """Each serious or critical violation on the page as one line: rule, help, targets."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    found = page.evaluate(RUN, list(BLOCKING))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
            for v in found]
