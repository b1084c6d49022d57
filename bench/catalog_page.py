"""Benchmark: the shop and admin catalog pages with 5,000 products, cold and warm, against a
bare endpoint on the same server (#27 targets: cold p95 <= 3x, warm p95 <= 1.5x /healthz).

Run: .venv/bin/python bench/catalog_page.py [PRODUCTS] [REQUESTS] [CHANGE_EVERY]
Starts gunicorn (deploy/gunicorn.conf.py, 2 workers; BENCH_NO_CONFIG=1 leaves the file
out) on a free loopback port with a fresh SQLite database (BENCH_BEHIND_NGINX=1: behind
the shipped nginx site, as production runs it), imports
a generated price list and signs in as the demo admin, both demo resellers and a direct
customer. The mixed run then asks for a spread of URLs — each reseller for each of its
customers (so several markets), the direct customer, the admin; with and without searches;
many pages — half of them never asked for before, the rest repeats (Zipf: the n-th URL asked
is repeated in proportion to 1/n), with /healthz and the
signed-in floor (bench/catalog_server.py: a signed-in page with the layout and no content)
between every two. The server says whether each listing was rendered or came from its cache
(X-Listing-Cache), which splits the timings into cold and warm and gives the hit ratio.
Every CHANGE_EVERY requests (default 400; 0 = never) the admin changes a price, so the next
views are the "first view after a catalog change" too.

The timed requests go through a lean client (http.client, the browser's cookies and
User-Agent, one connection per request as gunicorn's sync workers close each), so the
times are the server's and the loopback's. BENCH_CLIENT=requests times them through
requests' sessions instead, as runs before session 46 did: its own work per request
(~0.6 ms, more with a cookie jar or a large body) is added to /healthz and the pages alike,
which shrinks every ratio (session 46, alternating runs: cold 3.75-4.23x against
2.83-2.95x, warm 2.38-2.58x against 2.00-2.04x).
Signing in, finding URLs and changing prices use requests either way.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from catalog_import import write_price_list  # noqa: E402

BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(tmp: Path, products: int) -> dict:
    env = {**os.environ, "FLASK_APP": "storefront", "STOREFRONT_INSTANCE_DIR": str(tmp),
           "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench"}
    run = lambda *args: subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT,  # noqa: E731
                                       check=True, capture_output=True)
    run("db", "upgrade")
    run("demo", "load")  # demo accounts (and its 11 demo products)
    prices = tmp / "prices.csv"
    write_price_list(prices, products * 30)  # 30 rows (2 SKUs x 3 terms x 5 markets) each
    run("catalog", "import", str(prices))
    return env


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


LEAN = os.environ.get("BENCH_CLIENT", "lean") != "requests"


def fetch(session: requests.Session, url: str, hops: int = 3) -> dict[str, str]:
    """GET `url` as `session`'s browser (its cookies; its User-Agent, which the strong
    session protection checks); follows redirects; returns the final response's headers
    (lower-case names). Raises on an error and on landing on the sign-in page."""
    if not LEAN:
        answer = session.get(url, timeout=30)
        answer.raise_for_status()
        landed = urlsplit(answer.url).path
        headers = {name.lower(): value for name, value in answer.headers.items()}
    else:
        headers, landed = _lean_get(session, url, hops)
    if landed == "/login":
        raise SystemExit(f"{url}: signed out (landed on the sign-in page)")
    return headers


def _lean_get(session: requests.Session, url: str, hops: int) -> tuple[dict[str, str], str]:
    parts = urlsplit(url)
    target = quote(parts.path, safe="/%") + (f"?{quote(parts.query, safe='=&%+')}"
                                                 if parts.query else "")
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    headers = {"User-Agent": session.headers["User-Agent"], "Accept": "*/*",
               **({"Cookie": cookies} if cookies else {})}
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", target, headers=headers)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    found = {name.lower(): value for name, value in answer.getheaders()}
    if answer.status in (301, 302, 303, 307, 308) and hops:
        location = found["location"]
        if location.startswith("/"):
            location = f"{parts.scheme}://{parts.netloc}{location}"
        return _lean_get(session, location, hops - 1)
    if answer.status >= 400:
        raise SystemExit(f"{url}: {answer.status}")
    return found, parts.path


def timed(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    fetch(session, url)
    return (time.perf_counter() - started) * 1000


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page).group(1)


def sign_in(session: requests.Session, base: str, email: str, password: str) -> None:
    token = csrf(session.get(f"{base}/login", timeout=10).text)
    done = session.post(f"{base}/login", data={"email": email, "password": password,
                                                "csrf_token": token}, timeout=10)
    done.raise_for_status()
    # A second-factor page would be timed instead of the catalog: the server runs with
    # MFA_REQUIRED off (main), and this says so if it ever does not.
    if "/mfa/" in done.url or "/login" in done.url:
        raise SystemExit(f"{email} is not signed in (landed on {done.url})")


def main() -> None:
    products = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    change_every = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp), products)
        port = free_port()
        # The storefront with sign-in's second factor off and the signed-in floor page, under
        # production's gunicorn settings (its worker hooks and recycling), 2 workers here.
        config = [] if os.environ.get("BENCH_NO_CONFIG") else ["-c", "deploy/gunicorn.conf.py"]
        server = subprocess.Popen([str(BIN / "gunicorn"), *config, "-w", "2",
                                   "-b", f"127.0.0.1:{port}", "bench.catalog_server:app"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            with in_front(Path(tmp), port) as base:
                for _ in range(100):
                    try:
                        requests.get(f"{base}/healthz", timeout=5)
                        break
                    except requests.RequestException:
                        time.sleep(0.1)
                report(base, count, products, change_every)
            print(f"worker memory after the run (RSS): {worker_memory(server.pid)}")
        finally:
            server.terminate()
            server.wait(timeout=10)


@contextlib.contextmanager
def in_front(tmp: Path, app_port: int) -> Iterator[str]:
    """The address the run asks: gunicorn's own, or with BENCH_BEHIND_NGINX=1 Debian's
    nginx with the shipped site in front of it, as production runs (deploy/nginx, through
    deploy/check_proxy.py's copy of it): every request pays the proxy's hop, the page and
    /healthz alike."""
    if not os.environ.get("BENCH_BEHIND_NGINX"):
        yield f"http://127.0.0.1:{app_port}"
        return
    spec = importlib.util.spec_from_file_location("check_proxy",
                                                  ROOT / "deploy" / "check_proxy.py")
    proxy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(proxy)
    nginx = proxy.nginx_binary()
    if nginx is None:
        raise SystemExit("nginx is not installed: run bash .ci/ensure-packages nginx")
    tmp.chmod(0o755)  # nginx's workers (www-data) read its files and make its temp dirs
    port = free_port()
    conf = proxy.nginx_conf(tmp / "nginx", app_port, port)
    # The run's browsers all come from 127.0.0.1, as a crowd of customers never would: the
    # per-address limits (10 a second) would answer 429 to most of it.
    limits = tmp / "nginx" / "snippets" / "csp-storefront-upstream.conf"
    proxy.copy_with(limits, limits, {"rate=10r/s": "rate=100000r/s",
                                     "rate=30r/m": "rate=100000r/s"})
    with proxy.started([nginx, "-e", str(tmp / "nginx" / "error.log"), "-c", str(conf),
                        "-g", "daemon off;"], dict(os.environ), tmp / "nginx.log"):
        yield f"http://127.0.0.1:{port}"


def worker_memory(master: int) -> str:
    """Each gunicorn worker's resident memory: the per-worker caches (listings, offer
    cards, product lists, searches) live there."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("PPid", "").strip() == str(master):
            sizes.append(fields.get("VmRSS", "?").strip())
    return ", ".join(sorted(sizes)) or "unknown"


SEARCHES = ("", "bench", "product 1", "product 42", "cfq7ttc03", "sku", "zzz-nothing")
NEW_URL_SHARE = 0.5


_ZIPF_SUMS: list[float] = [0.0]


def popularity(count: int) -> list[float]:
    """Cumulative Zipf weights (1/n) of the first `count` URLs asked, grown as asked. Runs
    before session 47 drew repeats from a Pareto variate, which sent 56 % of them to the
    first URL asked (one empty search page), so "warm" timed mostly that one page."""
    while len(_ZIPF_SUMS) <= count:
        _ZIPF_SUMS.append(_ZIPF_SUMS[-1] + 1 / len(_ZIPF_SUMS))
    return _ZIPF_SUMS[1:count + 1]


def buyers(base: str) -> list[tuple[str, requests.Session, str]]:
    """(who, signed-in session, shop URL prefix): each reseller once per customer (each
    customer's market), and the direct customer. A customer of a market without prices
    (C7: the demo's Shanghai customer) is left out: its shop is an empty page that would
    flatter the figures."""
    found = []
    for email in ("anna@northwind.example", "tom@fabrikam.example"):
        session = requests.Session()
        sign_in(session, base, email, "demo-reseller-pass")
        page = session.get(f"{base}/shop", timeout=10).text
        for customer in sorted(set(re.findall(r'<option value="(\d+)"', page))):
            prefix = f"{base}/shop?customer={customer}"
            if 'data-testid="market-unpriced"' in session.get(prefix, timeout=10).text:
                print(f"left out: {email} for #{customer}, whose market has no prices (C7)")
                continue
            found.append((f"{email} for #{customer}", session, prefix))
    direct = requests.Session()
    sign_in(direct, base, "it@adatum.example", "demo-customer-pass")
    found.append(("it@adatum.example", direct, f"{base}/shop?"))
    return found


def population(base: str, admin: requests.Session, products: int) -> list[tuple]:
    """Every (kind, session, URL) the mixed run may ask for, shuffled the same way each run."""
    urls = []
    pages = products // 20
    for _who, session, prefix in buyers(base):
        for q in SEARCHES:
            for page in range(1, pages + 1, 7):
                urls.append(("shop", session, f"{prefix}&q={q}&page={page}"))
    for q in SEARCHES:
        for page in range(1, products // 25 + 1, 3):
            urls.append(("admin catalog", admin, f"{base}/admin/catalog?q={q}&page={page}"))
    random.Random(27).shuffle(urls)
    return urls


def change_a_price(base: str, admin: requests.Session, step: int) -> None:
    """An admin sets one price's retail price (a catalog write: every cached listing and
    precomputed row is outdated from here on)."""
    url = f"{base}/admin/catalog/prices/{1 + step}"
    form = {"retail_price": f"{20 + step}.00",
            "csrf_token": csrf(admin.get(f"{base}/admin/catalog", timeout=10).text)}
    preview = admin.post(url, data=form, timeout=10)  # the preview, then the save
    preview.raise_for_status()
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview.text).group(1)
    admin.post(url, data={**form, "fingerprint": fingerprint}, timeout=10).raise_for_status()


def report(base: str, count: int, products: int, change_every: int) -> None:
    """Requests alternate between /healthz and the catalog, so a noisy moment on the machine
    falls on both alike."""
    admin = requests.Session()
    sign_in(admin, base, "admin@provider.example", "demo-admin-pass")
    urls = population(base, admin, products)
    bare = requests.Session()
    rng = random.Random(5)
    asked: list[tuple] = []
    samples: dict[tuple[str, str], list[float]] = {}
    health: list[float] = []
    floor: list[float] = []
    signed_in = requests.Session()  # a reseller's browser on the page that shows nothing
    sign_in(signed_in, base, "anna@northwind.example", "demo-reseller-pass")
    fresh = iter(urls)
    for step in range(count):
        if change_every and step and step % change_every == 0:
            change_a_price(base, admin, step // change_every)
        pick = next(fresh, None) if not asked or rng.random() < NEW_URL_SHARE else None
        if pick is None:
            pick = rng.choices(asked, cum_weights=popularity(len(asked)))[0]
        else:
            asked.append(pick)
        kind, session, url = pick
        started = time.perf_counter()
        headers = fetch(session, url)
        elapsed = (time.perf_counter() - started) * 1000
        state = headers.get("x-listing-cache", "none")
        samples.setdefault((kind, state), []).append(elapsed)
        health.append(timed(bare, f"{base}/healthz"))
        floor.append(timed(signed_in, f"{base}/bench/signed-in"))
    bare_p95, floor_p95 = percentile(health, 95), percentile(floor, 95)
    print(f"{products} products, {count} catalog requests over {len(asked)} URLs, "
          f"a price change every {change_every or 'never'}, timed through "
          f"{'a lean client (http.client)' if LEAN else 'requests (BENCH_CLIENT=requests)'}")
    print(f"bare /healthz: p50={statistics.median(health):.1f}ms p95={bare_p95:.1f}ms "
          f"p99={percentile(health, 99):.1f}ms max={max(health):.1f}ms")
    print(f"signed-in floor (/bench/signed-in: session check, layout, no content): "
          f"p50={statistics.median(floor):.1f}ms p95={floor_p95:.1f}ms -> "
          f"{floor_p95 / bare_p95:.2f}x /healthz's p95")
    for kind in ("shop", "admin catalog"):
        hits, misses = samples.get((kind, "hit"), []), samples.get((kind, "miss"), [])
        print(f"{kind}: hit ratio {len(hits) / max(len(hits) + len(misses), 1):.0%}")
        for label, values, target in (("cold", misses, 3), ("warm", hits, 1.5)):
            if len(values) < 2:
                print(f"  {label}: too few samples ({len(values)})")
                continue
            p95 = percentile(values, 95)
            print(f"  {label} ({len(values)}): p50={statistics.median(values):.1f}ms "
                  f"p95={p95:.1f}ms -> {p95 / bare_p95:.2f}x /healthz's p95 (target <= {target}x)"
                  f", {p95 / floor_p95:.2f}x the floor's; p99={percentile(values, 99):.1f}ms "
                  f"max={max(values):.1f}ms")


if __name__ == "__main__":
    main()
