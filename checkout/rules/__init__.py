"""Checkout rules: one pure module per rule in docs rules.md, each ``check(ctx)``.

``run_rules`` runs every rule and collects every problem, in a fixed order (customer and
buyer first, then cart lines), so the user sees all of them at once.
"""

from __future__ import annotations

from types import ModuleType

from checkout.context import CheckoutContext
from checkout.problems import Problem
from checkout.rules import (
    c01_annual_billing,
    c02_billing_terms,
    c03_discontinued,
    c04_subscription_per_order,
    c07_market,
    k01_billing_address,
    k02_postal_code,
    k03_tax_id,
    k04_delegated_admin,
    k05_mca,
    k06_business_plan_limit,
    k07_specialized_industry,
    k08_partner_of_record,
    k09_reseller_standing,
    k10_reservation_markets,
    k11_tenant_ownership,
    k12_reservation_scope,
    s02_quantity,
)

ALL_RULES: tuple[ModuleType, ...] = (
    k09_reseller_standing,
    k08_partner_of_record,
    k01_billing_address,
    k02_postal_code,
    k03_tax_id,
    k11_tenant_ownership,
    k04_delegated_admin,
    k05_mca,
    k07_specialized_industry,
    k10_reservation_markets,
    k12_reservation_scope,
    c07_market,
    c01_annual_billing,
    c02_billing_terms,
    c03_discontinued,
    c04_subscription_per_order,
    s02_quantity,
    k06_business_plan_limit,
)

def run_rules(ctx: CheckoutContext, rules: tuple[ModuleType, ...] = ALL_RULES) -> list[Problem]:
    """Every problem every rule finds, in rule order then each rule's own order."""
    return [problem for rule in rules for problem in rule.check(ctx)]
