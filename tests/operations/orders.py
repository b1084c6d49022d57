"""An order placed in the browser and provisioned as the worker does it."""

from __future__ import annotations

from celery import signals

from orders import cart as carts
from orders.models import Order
from persistence import db
from provisioning.tasks import provision_order_task
from tests.checkout.conftest import ready_customer
from tests.conftest import login, post_form


def place(client, world) -> Order:
    """Reseller A orders two seats for a new ready customer; the job is queued."""
    customer = ready_customer(world)
    carts.add_line(carts.cart_for(world.reseller_a_user, customer), world.price.id, 2)
    login(client, world.reseller_a_user)
    response = post_form(client, f"/cart/{customer.id}/place", {"idempotency_key": "k-ops"},
                         token_url=f"/cart?customer={customer.id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(db.select(Order).filter_by(customer_id=customer.id))


def provision(order: Order) -> None:
    """Run the provisioning task as a worker runs a message (eagerly, same headers)."""
    provision_order_task.apply(args=(order.id,))
    db.session.refresh(order)
    assert order.status == "provisioned", order.status_reason


class Published:
    """Task messages as the broker receives them."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def __enter__(self) -> Published:
        signals.before_task_publish.connect(self._keep, weak=False)
        return self

    def __exit__(self, *_exc) -> None:
        signals.before_task_publish.disconnect(self._keep)

    def _keep(self, sender=None, body=None, headers=None, **_) -> None:
        self.messages.append({"task": sender, "body": body, "headers": dict(headers or {})})
