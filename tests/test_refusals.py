"""Every rule family refuses with one base, so one mapping answers for all of them."""

from __future__ import annotations

from checkout.problems import CheckoutRefused, Problem
from commitments.problems import CommitmentRefused, problem
from refusals import Refused
from subscriptions.errors import SubscriptionRefused
from subscriptions.rules import Refusal

KEYS = ["rule", "code", "message", "field", "fix_url", "line"]


def test_checkout_subscription_and_commitment_refusals_share_one_base_and_body():
    refusals = [
        CheckoutRefused([Problem("K8", "K8.missing_partner_id", "Add your MPN ID.", "mpn_id",
                                 "/profile")]),
        SubscriptionRefused(Refusal("S4", "S4.admin_agent_required", "Admin agents only.")),
        CommitmentRefused([problem("O1", "below_minimum_commitment", "Too small.", "amount")]),
    ]
    assert all(isinstance(refusal, Refused) for refusal in refusals)
    bodies = [refusal.problem_dicts()[0] for refusal in refusals]
    assert [list(body) for body in bodies] == [KEYS] * 3
    assert [body["code"] for body in bodies] == [
        "K8.missing_partner_id", "S4.admin_agent_required", "O1.below_minimum_commitment"]
    assert bodies[0]["fix_url"] == "/profile" and bodies[1]["field"] == "subscription"


def test_a_missing_permission_answers_403_and_a_rules_no_422():
    forbidden = SubscriptionRefused(Refusal("S4", "S4.admin_agent_required", "Agents only."))
    refused = SubscriptionRefused(Refusal("S2", "S2.reduction_window_closed", "Too late."))
    assert (forbidden.status, refused.status) == (403, 422)
    assert CommitmentRefused([problem("O1", "x", "m")]).status == 422
