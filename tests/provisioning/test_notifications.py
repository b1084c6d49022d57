"""The ordering user hears how provisioning ended; admins hear of orders that need them."""

from __future__ import annotations

from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from notifications.models import Notification, OutboxEmail
from persistence import db
from provisioning.jobs import run_job
from tests.provisioning.factories import make_order


def notes_for(user) -> list[Notification]:
    return db.session.scalars(select(Notification).filter_by(user_id=user.id)).all()


def test_the_buyer_is_told_the_order_is_provisioned(pc_app, pc_client):
    order = make_order()
    run_job(order.id, pc_client)
    [note] = notes_for(order.placed_by)
    assert note.subject == f"Order {order.number} is provisioned"
    assert note.link == f"/orders/{order.id}"
    assert db.session.scalar(select(OutboxEmail).filter_by(to=order.placed_by.email))


def test_an_order_needing_attention_reaches_the_buyer_and_the_admins(pc_app, pc_client):
    admin = new_user("ops@provider.example", "a long password", Role.PROVIDER_ADMIN)
    db.session.add(admin)
    db.session.commit()
    order = make_order(mca=False)  # Partner Center refuses: 13605, no MCA
    run_job(order.id, pc_client)
    [buyer_note] = notes_for(order.placed_by)
    [admin_note] = notes_for(admin)
    assert buyer_note.subject == admin_note.subject == f"Order {order.number} needs attention"
    assert "Microsoft Customer Agreement" in buyer_note.body
    assert admin_note.link == f"/admin/orders/{order.id}"
