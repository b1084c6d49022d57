"""The suite's fixtures (app on a throwaway SQLite file, the sandbox, a world of accounts)
for the fuzz runs, which are run by hand (see README "Security"), never by `make test`."""

from collections import Counter

import pytest

# Every fixture of the suite's conftest, as it is: naming the three used here broke the runs
# once `app` came to need a fixture of its own (empty_schema).
from tests.conftest import *  # noqa: F403

STATUSES: Counter = Counter()
NOT_FOUND: Counter = Counter()  # path → 404s: a form whose target vanished is worth a look


@pytest.fixture(scope="session")
def not_found() -> Counter:
    return NOT_FOUND


@pytest.fixture(scope="session")
def statuses() -> Counter:
    return STATUSES


def pytest_terminal_summary(terminalreporter):
    if STATUSES:
        total = sum(STATUSES.values())
        by_status = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
        terminalreporter.write_line(f"fuzz: {total} requests; by status {by_status}")
    for path, n in NOT_FOUND.most_common(10):
        terminalreporter.write_line(f"  404 ×{n}: {path}")
