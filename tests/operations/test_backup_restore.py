"""Issue 26: the restore drill. Orders, subscriptions and MCA acceptances survive a backup,
the loss of the database and a restore, and the MCA ledger still verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from agreements.mca import McaAcceptance
from orders.models import Order
from persistence import db
from subscriptions.models import Subscription
from tests.api.factories import make_subscription
from tests.checkout.conftest import confirm_mca
from tests.conftest import PASSWORD, make_customer, make_price
from tests.provisioning.databases import app_on


def snapshot() -> dict[str, list]:
    return {
        "orders": db.session.execute(select(Order.number, Order.status, Order.total)
                                     .order_by(Order.id)).all(),
        "subscriptions": db.session.execute(select(Subscription.id, Subscription.quantity)
                                            .order_by(Subscription.id)).all(),
        "mca": db.session.scalars(select(McaAcceptance.id).order_by(McaAcceptance.id)).all(),
    }


def database_file(app) -> Path:
    return Path(db.engine.url.database)


def test_backup_wipe_restore_brings_everything_back_and_the_ledger_verifies(
        app, world, tmp_path):
    confirm_mca(world.customer_a, world.reseller_a_user)
    confirm_mca(world.customer_b, world.reseller_b_user)
    make_subscription(world.customer_a, world.price, quantity=3)
    make_subscription(world.customer_b, world.price, quantity=7)
    before = snapshot()
    assert len(before["orders"]) == 2 and len(before["subscriptions"]) == 2
    assert len(before["mca"]) == 2
    runner, backup = app.test_cli_runner(), tmp_path / "backups" / "storefront.sqlite"

    made = runner.invoke(args=["backup", "create", str(backup)])
    assert made.exit_code == 0, made.output
    assert backup.stat().st_mode & 0o077 == 0  # customers' data: the owner's only
    checked = runner.invoke(args=["backup", "check", str(backup)])
    assert checked.exit_code == 0 and "integrity_check ok" in checked.output

    # The disaster: the database file is gone.
    db.session.remove()
    db.engine.dispose()
    database_file(app).unlink()

    restored = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert snapshot() == before
    verified = runner.invoke(args=["mca", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "2 rows, every row intact" in verified.output


def test_a_restore_keeps_the_database_it_replaces(app, world, tmp_path):
    runner, backup = app.test_cli_runner(), tmp_path / "empty-of-orders.sqlite"
    runner.invoke(args=["backup", "create", str(backup)])
    make_subscription(world.customer_a, world.price)  # made after the backup
    restored = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert snapshot()["subscriptions"] == []
    [kept] = database_file(app).parent.glob("*.before-restore-*")
    assert f"kept as {kept}" in restored.output


def test_a_damaged_backup_fails_its_check_and_is_not_restored(app, world, tmp_path):
    runner, backup = app.test_cli_runner(), tmp_path / "backup.sqlite"
    runner.invoke(args=["backup", "create", str(backup)])
    data = bytearray(backup.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a page of the copy overwritten
    backup.write_bytes(bytes(data))
    checked = runner.invoke(args=["backup", "check", str(backup)])
    assert checked.exit_code == 1 and "backup.sqlite" in checked.output
    restored = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert restored.exit_code == 1
    assert len(snapshot()["orders"]) == 2  # the live database is untouched


def test_a_backup_never_overwrites_an_older_one(app, tmp_path):
    backup = tmp_path / "monday.sqlite"
    backup.write_text("an older backup")
    made = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])
    assert made.exit_code == 1 and "exists already" in made.output
    assert backup.read_text() == "an older backup"


def test_a_file_that_is_no_backup_is_named_as_such(app, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    checked = app.test_cli_runner().invoke(args=["backup", "check", str(junk)])
    assert checked.exit_code == 1
    assert "neither a SQLite database nor a pg_dump custom-format archive" in checked.output


@pytest.mark.postgres
def test_the_drill_on_postgresql_with_pg_dump_and_pg_restore(tmp_path):
    with app_on("postgres", tmp_path) as app:
        customer = make_customer(None, "Pg Ltd")
        user = new_user("pg@test.example", PASSWORD, Role.CUSTOMER_USER, customer=customer)
        price = make_price()
        db.session.add_all([customer, user])
        db.session.commit()
        confirm_mca(customer, user)
        make_subscription(customer, price, quantity=4)
        before = snapshot()
        runner, backup = app.test_cli_runner(), tmp_path / "storefront.dump"
        made = runner.invoke(args=["backup", "create", str(backup)])
        assert made.exit_code == 0, made.output
        checked = runner.invoke(args=["backup", "check", str(backup)])
        assert checked.exit_code == 0 and "pg_restore reads" in checked.output
        db.session.remove()
        db.drop_all()  # the disaster
        restored = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
        assert restored.exit_code == 0, restored.output
        assert snapshot() == before and len(before["mca"]) == 1
        verified = runner.invoke(args=["mca", "verify"])
        assert verified.exit_code == 0, verified.output
