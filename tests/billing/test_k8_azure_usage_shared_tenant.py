"""K8 with B1 for the Azure plan: two resellers may each have a customer linked to the same
Microsoft tenant. Its Azure usage is billed to, and shown to, the customer whose Azure plan
it is: the one whose mirrored plan the usage names (SubscriptionId), else the one whose
reseller is the usage's reseller of record (Tier2MpnId). Usage that names neither is listed
for the provider, never charged or shown to a guessed reseller."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from billing.azure_usage import refresh_usage_to_date, usage_to_date
from billing.models import AzureUsageToDate
from billing.usage_holders import Holder, usage_holder
from persistence import db
from tests.billing.test_azure_usage import plan, run, usage_charges  # noqa: F401

TODAY = datetime(2021, 6, 25, 9, tzinfo=UTC)


def share_tenant(shop) -> None:
    """Reseller B's customer is linked to reseller A's customer's tenant (it bought, say,
    Office there); only reseller A's customer has the Azure plan."""
    shop.customer_b.tenant_id = shop.customer_a.tenant_id
    db.session.commit()


def test_k8_usage_of_a_shared_tenant_is_charged_to_the_reseller_whose_azure_plan_it_is(
        shop, clock, pc_client, graph_client, plan):  # noqa: F811
    share_tenant(shop)
    done = run(clock, pc_client, graph_client)
    assert [(c.customer_id, c.buyer_reseller_id, c.subscription_id)
            for c in usage_charges()] == [(shop.customer_a.id, shop.reseller_a.id, plan.id)]
    assert done.problems == ""


def test_k8_usage_so_far_of_a_shared_tenant_is_kept_for_and_shown_on_its_plans_customer(
        shop, clock, pc_client, graph_client, plan):  # noqa: F811
    share_tenant(shop)
    clock.move_to(TODAY)
    assert refresh_usage_to_date(graph_client, "USD", TODAY) == 1
    assert {r.customer_id for r in db.session.scalars(select(AzureUsageToDate))} == {
        shop.customer_a.id}
    assert usage_to_date(plan, retail=False)


def test_k8_usage_naming_neither_holders_plan_nor_reseller_is_listed_not_billed(
        shop, clock, pc_client, graph_client, plan):  # noqa: F811
    share_tenant(shop)
    mpn = shop.reseller_a.mpn_id
    shop.reseller_a.mpn_id = "7777777"  # the plan's reseller of record is neither's now
    db.session.commit()
    done = run(clock, pc_client, graph_client)
    assert usage_charges() == []
    assert "is shared by 2 customers here" in done.problems
    assert f"reseller of record {mpn}" in done.problems
    clock.move_to(TODAY)
    assert refresh_usage_to_date(graph_client, "USD", TODAY) == 0
    assert list(db.session.scalars(select(AzureUsageToDate))) == []


PLAN_A, PLAN_B = "a2a2a2a2-0000-4000-8000-00000000000a", "b2b2b2b2-0000-4000-8000-00000000000b"
A = Holder(1, "1111111", frozenset({PLAN_A}))
B = Holder(2, "2222222", frozenset({PLAN_B}))
DIRECT = Holder(3, "", frozenset())


def test_k8_the_plan_the_usage_names_decides_before_its_reseller_of_record():
    assert usage_holder([A, B], PLAN_B.upper(), "1111111") == B
    assert usage_holder([A, B], "", "2222222") == B
    assert usage_holder([A, B], "usCBMgAAAAAAAAIA", "1111111") == A  # Microsoft's own id


def test_k8_a_shared_tenants_usage_without_a_decisive_plan_or_reseller_is_nobodys():
    assert usage_holder([A, B], "", "") is None  # Tier2MpnId is optional in unbilled usage
    assert usage_holder([A, B], "", "3333333") is None
    assert usage_holder([A, DIRECT], "", "-1") is None
    assert usage_holder([], PLAN_A, "1111111") is None


def test_k8_a_tenant_one_customer_has_is_its_unless_another_reseller_is_of_record():
    assert usage_holder([DIRECT], "", "") == DIRECT
    assert usage_holder([A], "", "") == A
    assert usage_holder([A], "", "1111111") == A
    assert usage_holder([A], "", "2222222") is None  # never charge A for B's plan
