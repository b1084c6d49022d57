"""#21: the accounts audit log: the provider's admins read every event, a company's admins
only their own company's users' events; the CSV goes through the safe writer."""

from __future__ import annotations

from accounts.models import CompanyRole
from persistence import db
from tests.conftest import login, served


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
