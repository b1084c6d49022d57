"""Real processes for the scale-out tests and the benchmark: the sandbox server on
127.0.0.1 and Celery workers running `storefront.worker`, on SQLite or PostgreSQL + Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    """Where everything lives; `procs` are the processes this stack started."""

    tmp: Path
    database_url: str
    broker_url: str
    sandbox_url: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def start_sandbox(self, *, polls: int = 1, rate_limit: int | None = None) -> None:
        """The Partner Center sandbox over HTTP on a free port."""
        args = [sys.executable, "-m", "connectors.partner_center.sandbox", "--port", "0",
                "--provisioning-polls", str(polls)]
        if rate_limit:
            args += ["--rate-limit", str(rate_limit)]
        proc = self._spawn(args, self.tmp / "sandbox.log", stdout=subprocess.PIPE)
        line = proc.stdout.readline().decode()
        if "ready on " not in line:
            raise RuntimeError(f"sandbox did not start: {line!r}")
        self.sandbox_url = line.rsplit("ready on ", 1)[1].strip()

    def worker(self, *, pool: str = "solo", concurrency: int = 1, beat: bool = True,
               name: str = "w") -> subprocess.Popen:
        """A Celery worker process (its own process group, so a kill takes its children)."""
        args = [sys.executable, "-m", "celery", "-A", "storefront.worker", "worker",
                "--pool", pool, "--concurrency", str(concurrency), "--without-mingle",
                "--without-gossip", "--loglevel", "WARNING", "-n", f"{name}@%h"]
        if beat:
            args += ["--beat", "--schedule", str(self.tmp / f"beat-{name}")]
        return self._spawn(args, self.tmp / f"worker-{name}.log")

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL a worker and its pool children: no warm shutdown, no acks."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop every process this stack started, gently first."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            if proc.stdout:
                proc.stdout.close()

    def env(self) -> dict[str, str]:
        """The environment the worker reads its settings from."""
        return os.environ | {
            "STOREFRONT_ENV": "development", "STOREFRONT_INSTANCE_DIR": str(self.tmp),
            "DATABASE_URL": self.database_url, "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": "", "PARTNER_CENTER_MODE": "sandbox",
            "PARTNER_CENTER_BASE_URL": self.sandbox_url, "PYTHONPATH": str(ROOT),
            "PYTHONWARNINGS": "ignore",
        } | self.settings

    def _spawn(self, args: list[str], log: Path, stdout: Any = None) -> subprocess.Popen:
        """Start a process in its own session, logging to a file."""
        with log.open("ab") as sink:
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=stdout or sink,
                                    stderr=sink, start_new_session=True)
        self.procs.append(proc)
        return proc

    def send(self, order_ids: list[int], copies: int = 1) -> None:
        """Hand orders to the workers as the web app does (duplicates allowed)."""
        producer = Celery(broker=self.broker_url)
        try:
            for _ in range(copies):
                for order_id in order_ids:
                    producer.send_task("provisioning.provision_order", args=[order_id])
        finally:
            producer.close()

    def sandbox(self, path: str, body: Any = None) -> Any:
        """Call a /_sandbox admin endpoint (GET without a body, POST with one)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.sandbox_url + path, data=data,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            text = response.read()
        return json.loads(text) if text else None


def wait_until(predicate, timeout: float, interval: float = 0.25) -> bool:
    """Poll until the predicate holds or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
