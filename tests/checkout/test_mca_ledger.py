"""K5: the MCA ledger is append-only, tamper-evident and exportable."""

from datetime import date

import pytest
from sqlalchemy import text

from agreements import mca
from agreements.keys import from_config
from persistence import db
from tests.conftest import login, served


def record(world, customer=None, user=None, email="ada@example.com"):
    return mca.record_acceptance(
        customer=customer or world.direct, user=user or world.direct_user,
        signer=mca.Signer("Ada", "Lovelace", email), template_id="tpl-1", version="tpl-1",
        date_agreed=date(2026, 11, 23), ip="127.0.0.1", user_agent="pytest")


def test_each_acceptance_is_chained_to_the_previous_one(app, world):
    first, second = record(world), record(world, world.customer_a, world.reseller_a_user)
    assert first.prev_hash == mca.GENESIS and second.prev_hash == first.row_hash
    assert second.acting_as == "reseller_user" and second.reseller_id == world.reseller_a.id
    assert mca.verify_chain(from_config(app.config)).problems == ()


def test_the_orm_refuses_to_change_or_delete_a_row(world):
    row = record(world)
    row.signer_email = "someone@else.example"
    with pytest.raises(mca.AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(row)
    with pytest.raises(mca.AppendOnlyError):
        db.session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE mca_acceptances SET signer_email = 'x@example.com'",
    "DELETE FROM mca_acceptances"])
def test_the_database_refuses_raw_changes_too(world, statement):
    record(world)
    with pytest.raises(Exception, match="append-only ledger"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_verify_detects_a_row_changed_behind_the_ledgers_back(app, world):
    record(world)
    record(world, email="second@example.com")
    # An attacker with database access drops the trigger and edits a row.
    db.session.execute(text("DROP TRIGGER mca_acceptances_no_update"))
    db.session.execute(text("UPDATE mca_acceptances SET signer_email='evil@example.com' "
                            "WHERE id = (SELECT min(id) FROM mca_acceptances)"))
    db.session.commit()
    problems = mca.verify_chain(from_config(app.config)).problems
    assert problems and "contents changed" in problems[0]
    result = app.test_cli_runner().invoke(args=["mca", "verify"])
    assert result.exit_code == 1 and "fails verification" in result.output


def test_verify_passes_on_an_intact_ledger_from_the_cli(app, world):
    record(world)
    result = app.test_cli_runner().invoke(args=["mca", "verify"])
    assert result.exit_code == 0 and "verifies" in result.output


def test_admin_filters_and_exports_the_ledger_as_csv(client, world):
    record(world)
    record(world, world.customer_a, world.reseller_a_user, email="marta@example.com")
    login(client, world.admin)
    page = client.get("/admin/mca?q=alpha").get_data(as_text=True)
    assert "marta@example.com" in page and "ada@example.com" not in page
    response = served(client, "/admin/mca?format=csv")
    lines = response.get_data(as_text=True).splitlines()
    assert response.mimetype == "text/csv" and lines[0].startswith("id,recorded_at,customer")
    assert len(lines) == 3 and "reseller_user" in lines[1]


def test_a_date_range_outside_every_row_lists_nothing(client, world):
    record(world)
    login(client, world.admin)
    body = client.get("/admin/mca?from=2001-01-01&to=2001-12-31").get_data(as_text=True)
    assert "No acceptances recorded." in body
