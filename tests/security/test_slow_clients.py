"""Slow clients cannot take the site down. Four sockets sending one header byte every 5 s
made /healthz time out under `make run`'s two gunicorn sync workers; the embedded server
(the Procfile's `web` command) must keep answering, and so must the production layout,
gunicorn behind the shipped nginx configuration (deploy/check_proxy.py)."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("check_proxy", ROOT / "deploy" / "check_proxy.py")
check_proxy = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_proxy)


def procfile_web(port: int) -> list[str]:
    """The Procfile's `web` command (what `make run` starts), on another port."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    command = shlex.split(line.removeprefix("web:"))
    assert any("127.0.0.1:5000" in part for part in command), command
    # Its .venv/bin/ programs are this interpreter's neighbours wherever the venv lives.
    command[0] = str(Path(sys.executable).with_name(Path(command[0]).name))
    return [part.replace("127.0.0.1:5000", f"127.0.0.1:{port}") for part in command]


def test_the_embedded_server_answers_healthz_within_a_second_while_slow_clients_hang(
        tmp_path):
    port = check_proxy.free_port()
    with check_proxy.started(procfile_web(port), check_proxy.app_env(tmp_path),
                             tmp_path / "web.log") as web:
        check_proxy.wait_ready(port, web)
        with check_proxy.SlowLoris(port, sockets=8, interval=0.5):
            times = check_proxy.probe(port, count=6, pause=0.5, limit=1.0)
    assert max(times) < 1.0, (times, (tmp_path / "web.log").read_text()[-2000:])


@pytest.mark.skipif(check_proxy.nginx_binary() is None,
                    reason="nginx is not installed: bash .ci/ensure-packages nginx")
def test_behind_the_shipped_nginx_healthz_stays_fast_while_slow_clients_hang(capsys):
    status = check_proxy.main(["--sockets", "64", "--seconds", "3", "--interval", "0.5"])
    report = capsys.readouterr().out
    assert status == 0, report
    assert "/static/style.css 200" in report and "body 413" in report
    # The price-list upload gets through at 2 MiB and only past 32 MiB does nginx refuse it.
    # The run is anonymous, so the app answers the sign-in redirect without reading the body:
    # nginx then reports 302 or, when gunicorn closed before taking it all, 502 — either way
    # not its own 413 (check_proxy's status says it was neither 413 nor unanswered).
    assert "a 2 MiB price list 413" not in report and "a 2 MiB price list 0;" not in report
    assert "32 MiB + 1 byte price list 413" in report
    assert "TLS site passes nginx -t" in report  # the production file, not only the variant


def _body_limits() -> dict[str, int]:
    """client_max_body_size per location of the shipped proxy snippet ("" = the server's)."""
    limits, location = {}, ""
    for line in (ROOT / "deploy/nginx/snippets/csp-storefront-proxy.conf").read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words[:1] == ["location"]:
            location = words[-2]
        elif words[:1] == ["}"]:
            location = ""
        elif words[:1] == ["client_max_body_size"]:
            size = words[1].rstrip(";")
            limits[location] = int(size.rstrip("m")) * 1024 * 1024
    return limits


def test_nginx_body_limits_equal_the_apps():
    """nginx answers 413 before the app sees a body, so a smaller nginx limit would refuse a
    price list the app allows (the upload failed in production at 1 MiB): each limit is the
    app's setting for the same requests."""
    from config.settings import BaseConfig

    assert _body_limits() == {"": BaseConfig.MAX_CONTENT_LENGTH,
                              check_proxy.UPLOAD: BaseConfig.PRICE_LIST_MAX_BYTES}
