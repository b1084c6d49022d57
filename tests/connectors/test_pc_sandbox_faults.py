"""Fault injection, throttling, the admin endpoints, persistence and the HTTP server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import responses

from connectors.partner_center import (
    Conflict,
    PartnerCenterClient,
    ReauthenticationRequired,
    SandboxTokenProvider,
    ServiceUnavailable,
    Throttled,
    build_client,
)
from connectors.partner_center.client import LIVE_BASE_URL
from connectors.partner_center.sandbox import Sandbox, create_sandbox_app, seed
from connectors.partner_center.sandbox.__main__ import build
from connectors.partner_center.sandbox.router import route_to_sandbox

ROOT = Path(__file__).resolve().parents[2]
DAP = seed.TENANT_WITH_DAP_ID


def test_server_errors_twice_then_success_is_retried_transparently(
        pc_client, pc_sandbox, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=503, count=2)
    assert pc_client.get_customer(DAP).id == DAP
    assert len(pc_sleeps) == 2


def test_injected_429_is_answered_with_the_throttle_body_and_retry_after(
        pc_client, pc_sandbox, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=429, retry_after=13, count=1)
    assert pc_client.get_customer(DAP).id == DAP
    assert pc_sleeps == [13.0]


@pytest.mark.parametrize("code", ["800060", "800064", "800082", "900278"])
def test_injected_conflicts_are_not_retried(pc_client, pc_sandbox, pc_sleeps, code):
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=409, code=code)
    with pytest.raises(Conflict) as caught:
        pc_client.get_customer(DAP)
    assert caught.value.code == code and pc_sleeps == []


def test_a_ratio_fault_fires_on_a_repeatable_share_of_requests(pc_sandbox):
    pc_sandbox.add_fault("error", "GET *", status=500, count=None, ratio=0.5)
    fired = [pc_sandbox.faults.take("GET", "/x") is not None for _ in range(200)]
    again = Sandbox()
    again.add_fault("error", "GET *", status=500, count=None, ratio=0.5)
    assert fired == [again.faults.take("GET", "/x") is not None for _ in range(200)]
    assert 70 < sum(fired) < 130


def test_the_rate_limit_answers_429_until_the_minute_has_passed(
        pc_client, pc_sandbox, pc_sleeps):
    pc_sandbox.config.rate_limit_per_minute = 2
    pc_client.get_customer(DAP)
    pc_client.get_customer(DAP)
    with pytest.raises(Throttled) as caught:
        pc_client.get_customer(DAP)
    assert 0 < caught.value.retry_after <= 60
    assert pc_sleeps == [caught.value.retry_after] * 3
    pc_sandbox.advance(61)
    assert pc_client.get_customer(DAP).id == DAP


def test_admin_endpoints_drive_faults_clock_state_and_reset():
    sandbox = Sandbox()
    admin = create_sandbox_app(sandbox).test_client()
    assert admin.post("/_sandbox/faults", json={"kind": "error", "endpoint": "GET *",
                                                "status": 500}).status_code == 201
    assert admin.post("/_sandbox/faults", json={"bogus": 1}).status_code == 400
    before = sandbox.now()
    assert admin.post("/_sandbox/clock", json={"advance_seconds": 3600}).status_code == 200
    assert (sandbox.now() - before).total_seconds() >= 3600
    state = admin.get("/_sandbox/state").get_json()
    assert DAP in state["data"]["customers"] and len(state["faults"]) == 1
    assert admin.post("/_sandbox/config", json={"provisioning_polls": 4}).status_code == 200
    assert sandbox.config.provisioning_polls == 4
    assert admin.post("/_sandbox/reset").status_code == 204
    assert sandbox.faults.describe() == [] and (sandbox.now() - before).total_seconds() < 60


def test_state_is_persisted_after_writes_and_reloaded(tmp_path):
    path = tmp_path / "sandbox.json"
    sandbox = build(path)
    sandbox.grant_delegated_access(seed.TENANT_WITHOUT_DAP_ID)
    assert build(path).data["customers"][seed.TENANT_WITHOUT_DAP_ID]["allowDelegatedAccess"]
    assert json.loads(path.read_text())["customers"]


@pytest.fixture
def server(tmp_path):
    """The sandbox as a real HTTP server on a free port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.partner_center.sandbox", "--port", "0",
         "--state", str(tmp_path / "state.json"), "--provisioning-polls", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    assert "ready on" in line
    yield line.rsplit(" ", 1)[1].strip()
    process.terminate()
    process.wait(timeout=5)
    process.stdout.close()


def test_the_server_serves_the_sandbox_and_times_out_after_committing(server):
    client = build_client({"PARTNER_CENTER_MODE": "sandbox", "PARTNER_CENTER_BASE_URL": server,
                           "PARTNER_CENTER_READ_TIMEOUT": "0.3"})
    assert client.get_customer(DAP).allow_delegated_access is True
    requests.post(f"{server}/_sandbox/faults", timeout=5, json={
        "kind": "timeout", "endpoint": "POST /v1/customers/*/qualifications", "delay": 0.6})
    made = client.create_qualification(DAP, "StateOwnedEntity")
    assert made.vetting_status == "InReview"
    state = requests.get(f"{server}/_sandbox/state", timeout=5).json()
    assert len(state["data"]["qualifications"][DAP]) == 1


def test_without_an_answer_the_client_gives_up_as_unavailable():
    client = PartnerCenterClient(requests.Session(), "http://127.0.0.1:9",
                                 SandboxTokenProvider(), max_attempts=2,
                                 sleeper=lambda _s: None, timeout=(0.2, 0.2))
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        client.get_customer(DAP)
    assert time.monotonic() - started < 5


def _latency_run(seed_value: int, calls: int) -> tuple[list[float], list[dict]]:
    """Install a 150-300 ms latency over HTTP, as the checkout bench does; make `calls`
    client calls; the waits the sandbox took (recorded, not slept) and its faults' state."""
    waits: list[float] = []
    app = create_sandbox_app(Sandbox(random_seed=seed_value), sleep=waits.append)
    admin = app.test_client()
    assert admin.post("/_sandbox/faults", json={"kind": "slow", "endpoint": "*", "count": None,
                                                "delay": 0.15, "delay_max": 0.3}).status_code == 201
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        route_to_sandbox(mock, app, LIVE_BASE_URL)
        client = PartnerCenterClient(requests.Session(), LIVE_BASE_URL,
                                     SandboxTokenProvider(seed.PARTNER_TENANT_ID),
                                     sleeper=lambda _s: None)
        for n in range(calls):
            assert client.is_domain_available(f"latency{n}") is True
    return waits, admin.get("/_sandbox/state").get_json()["faults"]


def test_a_latency_range_holds_every_call_for_a_repeatable_draw_within_it():
    waits, faults = _latency_run(11, 40)
    assert len(waits) == 40 and all(0.15 <= w <= 0.3 for w in waits)
    assert len(set(waits)) == 40  # drawn per call, not one delay for all
    assert min(waits) < 0.18 and max(waits) > 0.27  # spread over the range
    assert waits == _latency_run(11, 40)[0]
    assert waits != _latency_run(12, 40)[0]
    assert faults[0]["fired"] == 40 and faults[0]["count"] is None


def test_a_slow_fault_without_a_range_waits_its_delay():
    sandbox = Sandbox()
    fault = sandbox.add_fault("slow", delay=0.2, count=2)
    assert [sandbox.faults.wait(fault) for _ in range(3)] == [0.2] * 3


def test_a_401_is_answered_by_signing_in_again_and_sending_the_same_request_once(
        pc_client, pc_sandbox, pc_responses, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=401, count=1)
    assert pc_client.get_customer(DAP).id == DAP
    sent = [c.request for c in pc_responses.calls if "/v1/customers/" in c.request.url]
    assert len(sent) == 2 and pc_sleeps == []
    assert sent[0].headers["MS-RequestId"] == sent[1].headers["MS-RequestId"]


def test_a_second_401_in_a_row_is_raised_as_reauthentication_required(
        pc_client, pc_sandbox, pc_responses):
    pc_sandbox.add_fault("error", "GET /v1/customers/*", status=401, count=2)
    with pytest.raises(ReauthenticationRequired) as caught:
        pc_client.get_customer(DAP)
    assert caught.value.http_status == 401
    assert len([c for c in pc_responses.calls if "/v1/customers/" in c.request.url]) == 2
