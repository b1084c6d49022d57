"""The demo's Azure plan (K12): Wingtip Toys holds an Azure plan, and the demo's sandbox
knows its Azure subscription under the demo's stable ids, once however often it loads;
the reconciliation's planted mismatch stays on the Microsoft 365 line."""

import json
import re

import pytest
from sqlalchemy import select

from demo import azure as demo_azure
from demo import billing as demo_billing
from demo import load as demo
from persistence import db
from subscriptions.azure_plan import azure_plan_of
from subscriptions.models import Subscription
from tests.conftest import login, post_form


def test_the_demo_customer_holds_an_azure_plan_with_one_azure_subscription(app, tmp_path):
    state = tmp_path / "sandbox.json"
    app.config.update(SANDBOX_STATE_FILE=str(state), PARTNER_CENTER_MODE="sandbox")
    demo.load()
    plan = db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=demo_azure.PC_PLAN_ID))
    assert plan.customer.company_name.startswith("Wingtip Toys")
    assert azure_plan_of(plan.customer_id) == plan and plan.family == "azure_plan"
    data = json.loads(state.read_text(encoding="utf-8"))
    entitlements = data["azure"]["entitlements"]
    assert list(entitlements) == [demo_azure.PC_PLAN_ID]
    assert [e["id"] for e in entitlements[demo_azure.PC_PLAN_ID]] == [
        demo_azure.AZURE_SUBSCRIPTION_ID]
    assert data["billingDiscrepancies"][0]["subscriptionId"] == demo_billing.PC_SUBSCRIPTION_ID
    assert demo.load_into_sandbox() == 0


def test_the_demo_customer_orders_into_the_tenant_its_first_purchase_made(app, tmp_path):
    """Wingtip's demo purchases were provisioned into a tenant the sandbox knows; its record
    says so as provisioning leaves it, so a new demo order goes to that tenant instead of
    asking Partner Center to create its (taken) domain again."""
    state = tmp_path / "sandbox.json"
    app.config.update(SANDBOX_STATE_FILE=str(state), PARTNER_CENTER_MODE="sandbox")
    demo.load()
    wingtip = db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=demo_billing.PC_SUBSCRIPTION_ID)).customer
    assert (wingtip.tenant_id, wingtip.tenant_mode, wingtip.tenant_verified) == (
        demo_billing.TENANT_ID, "existing", True)
    known = json.loads(state.read_text(encoding="utf-8"))["customers"][demo_billing.TENANT_ID]
    assert wingtip.tenant_domain in json.dumps(known)


@pytest.fixture
def demo_plan(app, client, tmp_path) -> Subscription:
    """The demo's Azure plan, with its reseller's admin signed in."""
    app.config.update(SANDBOX_STATE_FILE=str(tmp_path / "sandbox.json"),
                      PARTNER_CENTER_MODE="sandbox")
    demo.load()
    login(client, "anna@northwind.example", "demo-reseller-pass")
    return db.session.scalar(select(Subscription).filter_by(
        pc_subscription_id=demo_azure.PC_PLAN_ID))


def test_k12_the_azure_plan_reads_as_usage_billed_monthly_not_a_perpetual_purchase(
        client, demo_plan):
    plan = demo_plan
    page = client.get(f"/subscriptions/{plan.id}").get_data(as_text=True)
    assert "no term · Azure usage billed monthly" in page and "perpetual" not in page
    listed = client.get(f"/customers/{plan.customer_id}").get_data(as_text=True)
    row = re.search(rf'href="/subscriptions/{plan.id}".*?</tr>', listed, re.S)[0]
    assert "no term · Azure usage billed monthly" in row and "perpetual" not in row
    # Free itself, no term, no licenses: nothing on its page offers otherwise.
    assert re.search(r'id="subscription-price">No charge for the plan', page)
    assert "0,00" not in page and "one-time" not in page
    for offer in ('action="/subscriptions/%d/autorenew"', 'action="/subscriptions/%d/licenses"',
                  'action="/subscriptions/%d/quantity"', 'id="renewal"'):
        assert offer.replace("%d", str(plan.id)) not in page
    assert 'id="azure-plan-terms"' in page
    assert "RedHat" not in page and "Partner Center cancels its Azure subscriptions" in page
    # The subscriptions list: autorenew does not apply (it read "off", as if it would end).
    listing = client.get("/subscriptions").get_data(as_text=True)
    plan_row = re.search(rf'href="/subscriptions/{plan.id}".*?</tr>', listing, re.S)[0]
    assert plan_row.endswith('title="No term to renew">—</span></td></tr>')


@pytest.mark.parametrize(("action", "form", "code"), [
    ("autorenew", {"autorenew": "on"}, "S1.not_renewable"),
    ("licenses", {"quantity": "2"}, "S2.azure_plan_has_no_licenses")])
def test_k12_an_azure_plan_has_no_renewal_nor_licenses_to_change(
        client, demo_plan, action, form, code):
    plan = demo_plan
    url = f"/subscriptions/{plan.id}"
    refused = post_form(client, f"{url}/{action}", form, token_url=url)
    assert refused.status_code == 422
    assert f'data-code="{code}"' in refused.get_data(as_text=True)
    db.session.refresh(plan)
    assert (plan.autorenew, plan.quantity) == (False, 1)
