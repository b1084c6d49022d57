"""A reseller's MPN ID is its own: the admin form refuses one another reseller has, with
the error beside the field, and the database refuses a second one whatever the path (two
resellers could be saved with one MPN ID, and orders of both named the same partner)."""

from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from accounts.models import Reseller
from persistence import db
from storefront import create_app
from tests.conftest import login, on_database, post_form
from tests.provisioning.databases import BACKENDS, app_on

FORM = {"company_name": "Copycat IT", "mpa_status": "unknown", "contact_name": "Eve",
        "contact_email": "eve@copycat.example", "active": "y"}


def mpn_error(page: str) -> str:
    match = re.search(r'<p class="error" id="mpn_id-err">([^<]+)</p>', page)
    return match.group(1) if match else ""


def holders(mpn_id: str) -> int:
    return db.session.scalar(select(func.count()).where(Reseller.mpn_id == mpn_id))


def test_a_new_reseller_with_another_resellers_mpn_id_is_refused_beside_the_field(
        client, world):
    login(client, world.admin)
    taken = world.reseller_a.mpn_id
    answer = post_form(client, "/admin/resellers/new", FORM | {"mpn_id": taken})
    assert answer.status_code == 422
    assert mpn_error(answer.get_data(as_text=True)).startswith(
        "Reseller A already has this MPN ID")
    assert holders(taken) == 1


def test_an_edit_to_another_resellers_mpn_id_is_refused_and_changes_nothing(client, world):
    login(client, world.admin)
    own, taken = world.reseller_b.mpn_id, world.reseller_a.mpn_id
    url = f"/admin/resellers/{world.reseller_b.id}"
    answer = post_form(client, url, FORM | {"company_name": "Reseller B", "mpn_id": taken})
    assert answer.status_code == 422 and "Reseller A already has" in mpn_error(
        answer.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Reseller, world.reseller_b.id).mpn_id == own


def test_a_reseller_saved_again_with_its_own_mpn_id_is_accepted(client, world):
    login(client, world.admin)
    url = f"/admin/resellers/{world.reseller_a.id}"
    answer = post_form(client, url, FORM | {"company_name": "Reseller A renamed",
                                            "mpn_id": world.reseller_a.mpn_id})
    assert answer.status_code == 302


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_database_refuses_a_second_reseller_with_one_mpn_id_but_not_two_without(
        backend, tmp_path):
    with app_on(backend, tmp_path):
        db.session.add_all([Reseller(company_name="No MPN yet 1"),
                            Reseller(company_name="No MPN yet 2"),
                            Reseller(company_name="First", mpn_id="7654321")])
        db.session.commit()
        db.session.add(Reseller(company_name="Second", mpn_id="7654321"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_migration_stops_and_names_mpn_ids_two_resellers_share(tmp_path, capfd):
    app = create_app(on_database(f"sqlite:///{tmp_path / 'migrated.sqlite'}"))
    with app.app_context():
        upgrade(revision="0016_throttle")
        for name in ("First", "Second"):
            db.session.execute(text(
                "INSERT INTO resellers (company_name, mpn_id, mpa_status, contact_name, "
                "contact_email, contact_phone, active, created_at) VALUES (:name, '7654321', "
                "'unknown', '', '', '', 1, '2026-01-01')"), {"name": name})
        db.session.commit()
        with pytest.raises(SystemExit):  # `flask db upgrade` prints the error and exits 1
            upgrade(revision="0017_security_lower")
        assert "Resellers share an MPN ID: 7654321 (2 resellers)" in capfd.readouterr().err
        db.session.execute(text("UPDATE resellers SET mpn_id = '7654322' "
                                "WHERE company_name = 'Second'"))
        db.session.commit()
        upgrade(revision="0017_security_lower")
        db.session.remove()
        db.engine.dispose()
