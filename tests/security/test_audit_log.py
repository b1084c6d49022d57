"""#21: the accounts audit log: the provider's admins read every event, a company's admins
only their own company's users' events; the CSV goes through the safe writer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts import audit
from accounts.models import CompanyRole
from accounts.preferences import set_time_zone
from persistence import db
from tests.conftest import csrf_token, login, served


def test_a_reseller_admin_reads_only_its_own_users_events(client, browser, world):
    login(browser(), world.reseller_b_user)
    login(browser(), world.reseller_a_user, "not the password")
    world.reseller_a_user.company_role = CompanyRole.ADMIN
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get("/team/audit").get_data(as_text=True)
    assert world.reseller_a_user.email in page
    assert world.reseller_b_user.email not in page
    assert "sign in failed" in page
    csv = served(client, "/team/audit?format=csv").get_data(as_text=True)
    assert world.reseller_a_user.email in csv and world.reseller_b_user.email not in csv


def test_the_provider_admin_reads_all_and_filters(client, browser, world):
    login(browser(), world.reseller_b_user)
    login(browser(), "nobody@test.example", "whatever password")
    login(client, world.admin)
    everything = client.get("/team/audit").get_data(as_text=True)
    assert world.reseller_b_user.email in everything
    assert "nobody@test.example" not in everything  # a digest of it, not the address
    failed = client.get("/team/audit?kind=sign_in_failed").get_data(as_text=True)
    assert "unknown:" in failed and world.reseller_b_user.email not in failed
    by_email = client.get("/team/audit?email=b@test").get_data(as_text=True)
    assert world.reseller_b_user.email in by_email and world.admin.email not in by_email


def test_plain_users_have_no_audit_log(client, world):
    login(client, world.reseller_a_user)
    assert client.get("/team/audit").status_code == 403


def test_the_csv_neutralises_formulas(client, browser, world):
    world.reseller_b_user.email = "=cmd@test.example"
    db.session.commit()
    login(browser(), "=cmd@test.example")
    login(client, world.admin)
    csv = served(client, "/team/audit?format=csv").get_data(as_text=True)
    assert "'=cmd@test.example" in csv


def test_the_date_filter_reads_the_viewers_calendar_days_and_names_a_bad_date(client, world):
    """The rows show in the viewer's zone, so From/To are its days too (they were UTC's)."""
    set_time_zone(world.admin, "America/Los_Angeles")
    evening = datetime(2026, 12, 7, 3, tzinfo=UTC)  # 6 Dec, 19:00 in Los Angeles
    audit.record(audit.Kind.ROLE_CHANGED, user=world.reseller_b_user, detail="late change",
                 now=evening)
    db.session.commit()
    login(client, world.admin)

    def shown(query: str) -> str:
        return client.get(f"/team/audit?{query}").get_data(as_text=True)
    assert "late change" in shown("start=2026-12-06&end=2026-12-06")
    assert "late change" not in shown("start=2026-12-07&end=2026-12-07")
    page = shown("start=2026-13-01")
    assert "start: enter a date as YYYY-MM-DD" in page and "late change" in page


def test_the_provider_admin_reads_one_companys_events(client, browser, world):
    """Hundreds of companies' sign-ins in one list: the provider picks whose to read, the
    CSV exports what is picked, and a company's own admins get no such choice."""
    login(browser(), world.reseller_a_user)
    login(browser(), world.reseller_b_user)
    login(client, world.admin)
    everything = client.get("/team/audit").get_data(as_text=True)
    assert f'value="reseller:{world.reseller_a.id}"' in everything
    picked = client.get(f"/team/audit?company=reseller:{world.reseller_b.id}").get_data(
        as_text=True)
    assert world.reseller_b_user.email in picked
    assert world.reseller_a_user.email not in picked and world.admin.email not in picked
    csv = served(client, f"/team/audit?company=reseller:{world.reseller_b.id}&format=csv")
    csv_text = csv.get_data(as_text=True)
    assert world.reseller_b_user.email in csv_text
    assert world.reseller_a_user.email not in csv_text
    own = client.get("/team/audit?company=provider").get_data(as_text=True)
    assert world.admin.email in own and world.reseller_b_user.email not in own
    world.reseller_a_user.company_role = CompanyRole.ADMIN
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.reseller_a_user)
    theirs = client.get(f"/team/audit?company=reseller:{world.reseller_b.id}").get_data(
        as_text=True)
    assert 'name="company"' not in theirs and world.reseller_b_user.email not in theirs
    assert world.reseller_a_user.email in theirs


@pytest.mark.parametrize("company", ["reseller:\u00b2", "customer:" + "9" * 30,
                                     "reseller:" + "9" * 5000])
def test_a_company_filter_naming_no_possible_id_filters_on_nothing(client, world, company):
    """"²" passes str.isdigit() and int() refuses it; 30 digits do not bind on SQLite; 5,000
    are past what int() reads: each was a 500 (session 53's audit)."""
    login(client, world.admin)
    for export in ("", "&format=csv"):
        answer = served(client, f"/team/audit?company={company}{export}")
        assert answer.status_code == 200
        assert world.admin.email in answer.get_data(as_text=True)
