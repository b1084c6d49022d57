#!/usr/bin/env python3
"""Check the production layout against slow clients: gunicorn (deploy/gunicorn.conf.py)
behind Debian's nginx with the shipped configuration (its plain-HTTP variant), both on
127.0.0.1 in a temporary directory; slow-loris sockets through nginx; /healthz must stay
fast. Also checks that nginx serves the static files and refuses a body over 1 MiB (but
lets a price list up to 32 MiB through to its upload), that
/readyz answers 200 through it (database migrated with `flask db upgrade` as a deploy does;
an outage of the broker or of Entra ID would only mark it "degraded") and /metrics in
Prometheus' multiprocess mode, and that the TLS site (csp-storefront.conf) passes
`nginx -t` with a throwaway certificate.

    bash .ci/ensure-packages nginx                       # once
    .venv/bin/python deploy/check_proxy.py [--sockets 200] [--seconds 12] [--limit 1.0]

Prints the figures; exits 0 when every /healthz answered within the limit, 1 otherwise.
Traffic stays on 127.0.0.1, and every process it starts is stopped at the end.
tests/security/test_slow_clients.py runs it (a short run) when nginx is installed, and uses
its SlowLoris against the embedded server of `make run`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"
UPLOAD = "/admin/catalog/jobs/upload"  # the price-list upload, nginx's one larger body
MAIN_CONF = """{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include site.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, path: str = "/healthz", body: bytes | None = None,
            timeout: float = 5.0) -> tuple[int, float]:
    """The status and seconds of one request; status 0 when it failed or timed out."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST" if body is not None else "GET", path, body=body)
        status = connection.getresponse().status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


class SlowLoris:
    """Sockets that never finish their request: half send a header one byte per interval,
    half announce a body and send it one byte per interval."""

    HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    BODY = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\nemail=")

    def __init__(self, port: int, sockets: int, interval: float) -> None:
        self.port, self.count, self.interval = port, sockets, interval
        self.sockets: list[socket.socket] = []
        self.cut_off = 0  # sockets the server closed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> SlowLoris:
        for index in range(self.count):
            client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client.sendall(self.HEADER if index % 2 == 0 else self.BODY)
            self.sockets.append(client)
        self._thread.start()
        return self

    def _drip(self) -> None:
        while not self._stop.wait(self.interval):
            for client in list(self.sockets):
                try:
                    client.sendall(b"a")
                except OSError:
                    self.sockets.remove(client)
                    client.close()
                    self.cut_off += 1

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        for client in self.sockets:
            client.close()


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Return once /healthz answers 200; fail if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        if request(port, timeout=1.0)[0] == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered /healthz on port {port} in {timeout:.0f} s")


@contextlib.contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run a server for the duration of the block; stop it (and only it) afterwards."""
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,  # noqa: S603
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_env(tmp: Path) -> dict[str, str]:
    """The storefront in development settings on a throwaway SQLite file in `tmp`, its
    gunicorn workers' metrics in a directory of their own (as the systemd unit sets)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PARTNER_CENTER_", "CELERY_", "DATABASE_URL",
                                   "PROMETHEUS_", "METRICS_"))}
    (tmp / "metrics").mkdir(exist_ok=True)
    return env | {"STOREFRONT_ENV": "development", "STOREFRONT_INSTANCE_DIR": str(tmp),
                  "DATABASE_URL": f"sqlite:///{tmp / 'storefront.sqlite'}",
                  "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"), "FLASK_APP": "storefront"}


def migrate(env: dict[str, str], log: Path) -> None:
    """`flask db upgrade`, as a deploy runs it before starting the new code."""
    flask = str(Path(sys.executable).with_name("flask"))
    with log.open("w") as output:
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, stdout=output,  # noqa: S603
                       stderr=subprocess.STDOUT, check=True, timeout=120)


def copy_with(source: Path, target: Path, replacements: dict[str, str]) -> None:
    """Copy a shipped file with the test's ports and paths; a value that is gone from the
    shipped file is an error, so this check cannot drift from the configuration."""
    text = source.read_text(encoding="utf-8")
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"{source.relative_to(ROOT)} no longer contains {old!r}")
        text = text.replace(old, new)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def nginx_conf(tmp: Path, app_port: int, port: int) -> Path:
    """The shipped plain-HTTP site and its snippets, with this run's ports and paths."""
    snippets = NGINX_DIR / "snippets"
    copy_with(snippets / "csp-storefront-upstream.conf",
              tmp / "snippets" / "csp-storefront-upstream.conf",
              {"server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};"})
    # A copy: nginx's workers (www-data) may not be allowed into the checkout's directory.
    shutil.copytree(ROOT / "storefront" / "static", tmp / "static")
    copy_with(snippets / "csp-storefront-proxy.conf",
              tmp / "snippets" / "csp-storefront-proxy.conf",
              {"/srv/csp-storefront/storefront/static/": f"{tmp}/static/"})
    copy_with(NGINX_DIR / "csp-storefront-plain.conf", tmp / "site.conf",
              {"listen 127.0.0.1:8080;": f"listen 127.0.0.1:{port};"})
    main = tmp / "nginx.conf"
    main.write_text(MAIN_CONF.format(tmp=tmp, user=_worker_user()), encoding="utf-8")
    return main


def _worker_user() -> str:
    """As root, nginx's workers run as Debian's www-data (the temporary directory is made
    readable to them); as anyone else they stay that user and need no directive."""
    if os.geteuid() != 0:
        return ""
    try:
        pwd.getpwnam("www-data")
    except KeyError:
        return "user nobody;"
    return "user www-data;"


def tls_site_is_valid(nginx: str, tmp: Path) -> bool:
    """`nginx -t` of the production site, its certificate paths pointed at a throwaway
    self-signed certificate (cryptography, a dependency already)."""
    cert, key = _self_signed(tmp)
    copy_with(NGINX_DIR / "csp-storefront.conf", tmp / "site.conf", {
        "/etc/letsencrypt/live/storefront.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/storefront.example.com/privkey.pem": str(key)})
    copy_with(NGINX_DIR / "snippets" / "csp-storefront-upstream.conf",
              tmp / "snippets" / "csp-storefront-upstream.conf", {})
    copy_with(NGINX_DIR / "snippets" / "csp-storefront-proxy.conf",
              tmp / "snippets" / "csp-storefront-proxy.conf", {})
    main = tmp / "nginx.conf"
    main.write_text(MAIN_CONF.format(tmp=tmp, user=""), encoding="utf-8")
    checked = subprocess.run([nginx, "-e", str(tmp / "error.log"), "-c", str(main), "-t"],  # noqa: S603
                             capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        print(checked.stderr, file=sys.stderr)
    return checked.returncode == 0


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "storefront.example.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return tmp / "cert.pem", tmp / "key.pem"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def probe(port: int, count: int, pause: float, limit: float) -> list[float]:
    """`count` timed /healthz requests `pause` seconds apart; a failure counts as too slow."""
    times = []
    for _ in range(count):
        status, seconds = request(port, timeout=limit + 4)
        times.append(seconds if status == 200 else float("inf"))
        time.sleep(pause)
    return times


def run(args: argparse.Namespace, tmp: Path) -> bool:
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed: run bash .ci/ensure-packages nginx")
    tls_ok = tls_site_is_valid(nginx, tmp / "tls")
    app_port, port = free_port(), free_port()
    conf = nginx_conf(tmp / "nginx", app_port, port)
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "-c",
                "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{app_port}", "--workers", "2"]
    env = app_env(tmp)
    migrate(env, tmp / "migrate.log")
    with started(gunicorn, env, tmp / "gunicorn.log") as app, \
            started([nginx, "-e", str(tmp / "nginx" / "error.log"), "-c", str(conf),
                     "-g", "daemon off;"], dict(os.environ), tmp / "nginx.log") as proxy:
        wait_ready(app_port, app)
        wait_ready(port, proxy)
        static = request(port, "/static/style.css")[0]
        ready = request(port, "/readyz")[0]
        metrics = request(port, "/metrics")[0]
        too_big = request(port, "/login", body=b"a" * (1024 * 1024 + 1))[0]
        # Anonymous, so the app answers the sign-in redirect: what matters is that nginx
        # passed it on rather than answering 413 itself.
        price_list = request(port, UPLOAD, body=b"a" * (2 * 1024 * 1024))[0]
        too_big_list = request(port, UPLOAD, body=b"a" * (32 * 1024 * 1024 + 1))[0]
        with SlowLoris(port, args.sockets, args.interval) as loris:
            times = probe(port, max(1, int(args.seconds / 0.5)), 0.5, args.limit)
            cut_off = loris.cut_off
    worst = max(times)
    print(f"{args.sockets} slow sockets for {args.seconds:.0f} s through nginx: "
          f"{len(times)} /healthz, slowest {worst * 1000:.0f} ms (limit "
          f"{args.limit * 1000:.0f} ms); nginx cut off {cut_off} slow sockets; "
          f"/static/style.css {static}; /readyz {ready}; /metrics {metrics}; a 1 MiB + "
          f"1 byte body {too_big}; a 2 MiB price list {price_list}; a 32 MiB + 1 byte "
          f"price list {too_big_list}; TLS site {'passes' if tls_ok else 'FAILS'} nginx -t")
    return (worst <= args.limit and static == 200 and ready == 200 and metrics == 200
            and too_big == 413 and price_list not in (0, 413) and too_big_list == 413
            and tls_ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=12.0, help="how long to probe")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between bytes")
    parser.add_argument("--limit", type=float, default=1.0, help="slowest /healthz allowed")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="csp-proxy-check."))
    tmp.chmod(0o755)  # nginx's workers (www-data) read its files and make its temp dirs
    try:
        return 0 if run(args, tmp) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
