"""The hand-run fuzz harnesses (bench/fuzz/, README "Security") still set up and run.

They are never part of `make test` in full (minutes each), so nothing else would notice one
breaking: both once stopped at set-up, after the suite's `app` fixture came to need a
fixture the harness did not import, and fuzzed nothing until a hand run found it. One
operation and one role, with a couple of examples each, show that a run gets going."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_fuzz_harnesses_run():
    # Both files in one run: one interpreter and one set-up, not two (the suite's time).
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "bench/fuzz/test_api_fuzz.py",
         "bench/fuzz/test_form_fuzz.py", "-k", "list_offers or guest", "-q",
         "-p", "connectors.partner_center.sandbox.fixtures", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "FUZZ_EXAMPLES": "2", "FUZZ_FORM_EXAMPLES": "1"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout  # the API operation and the guest's forms
    assert "fuzz: " in done.stdout  # requests were made and counted
