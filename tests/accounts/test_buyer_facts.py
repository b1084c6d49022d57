"""The shop's buyer facts and "Buying for" choices: scoped as visible_customers scopes, and
the K7 segments exactly the approved qualifications, on both databases (#27 reads them
as plain columns, the segments aggregated by the database)."""

from __future__ import annotations

import pytest

from accounts.models import CustomerQualification
from accounts.scoping import buyer_facts, picker_rows
from persistence import db


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def qualify(customer, **statuses) -> None:
    for segment, status in statuses.items():
        db.session.add(CustomerQualification(customer=customer, segment=segment,
                                             status=status, source="test"))
    db.session.commit()


def test_a_reseller_reads_its_customer_with_only_the_approved_segments_k7(app, world):
    qualify(world.customer_a, education="approved", nonprofit="in_review",
            government="approved")
    facts = buyer_facts(db.session, world.reseller_a_user, world.customer_a.id)
    assert (facts.id, facts.company_name, facts.country, facts.language) == (
        world.customer_a.id, "Alpha GmbH", world.customer_a.country, world.customer_a.language)
    assert facts.qualified == {"education", "government"}


def test_a_customer_without_approvals_is_qualified_for_nothing_k7(app, world):
    qualify(world.customer_a, nonprofit="denied")
    assert buyer_facts(db.session, world.reseller_a_user, world.customer_a.id).qualified == set()


def test_nobody_reads_a_customer_it_may_not_see(app, world):
    assert buyer_facts(db.session, world.reseller_a_user, world.customer_b.id) is None
    assert buyer_facts(db.session, world.direct_user, world.customer_a.id) is None
    assert buyer_facts(db.session, world.direct_user, world.direct.id).company_name == \
        "Direct Ltd"
    # The provider's admins see every customer, as visible_customers says.
    assert buyer_facts(db.session, world.admin, world.customer_b.id).company_name == \
        "Beta GmbH"


def test_the_picker_lists_only_the_resellers_own_customers_by_name(app, world):
    assert [row.company_name for row in picker_rows(db.session, world.reseller_a_user)] == \
        ["Alpha GmbH"]
    assert [row.company_name for row in picker_rows(db.session, world.reseller_b_user)] == \
        ["Beta GmbH"]
