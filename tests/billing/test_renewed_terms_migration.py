"""Migration 0044 keeps the renewal each subscription recorded before it (its latest, the
only one known) as its first kept renewed term, with the prices billing charged it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from persistence import db
from storefront import create_app
from subscriptions.models import RenewedTerm, Subscription
from tests.conftest import make_customer, make_price, on_database
from tests.provisioning.databases import BACKENDS, database


@pytest.mark.parametrize("backend", BACKENDS)
def test_r1_0044_keeps_each_subscriptions_latest_renewal_as_a_renewed_term(backend, tmp_path):
    with database(backend, tmp_path) as url:
        app = create_app(on_database(url))
        with app.app_context():
            upgrade()
            price = make_price(market="DE", currency="EUR", term="P1Y")
            customer = make_customer(None, "Contoso")
            renewed, bought = (Subscription(
                customer=customer, product=price.sku.product, title="Business Standard",
                family="office365_business", billing_cycle=cycle, term_duration="P1Y",
                quantity=10, status="active", purchased_at=datetime(2021, 6, 18, tzinfo=UTC))
                for cycle in ("annual", "monthly"))
            db.session.add_all([customer, renewed, bought])
            db.session.flush()
            # Read before the commit: a refresh after it would hold a read of subscriptions
            # open (PostgreSQL: the downgrade's DROP COLUMN waits on it for ever) or, after
            # the downgrade, ask for columns it dropped.
            renewed_id = renewed.id
            db.session.commit()
            downgrade(revision="0043_overage_settlement_option")
            db.session.execute(text(
                "UPDATE subscriptions SET renewed_on = :day, renewed_unit_price = :unit, "
                "renewed_retail_unit_price = NULL WHERE id = :id"),
                {"day": date(2022, 6, 18), "unit": "420.0000" if backend == "sqlite"
                 else Decimal("420.00"), "id": renewed_id})
            db.session.commit()
            upgrade()
            [term] = db.session.scalars(select(RenewedTerm)).all()
            assert (term.subscription_id, term.began_on, term.billing_cycle,
                    term.term_duration, term.unit_price, term.retail_unit_price) == (
                renewed_id, date(2022, 6, 18), "annual", "P1Y", Decimal("420.00"), None)
            db.session.remove()
            db.engine.dispose()
