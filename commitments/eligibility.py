"""O1 eligibility: who may sign an Indirect OSPA enrollment at all.

Seed 000: "This contract is only for enterprise customers purchasing Azure service through
contractual procedure" and, for overseas customers, "this is only eligible for legal entity
registered in mainland China". So the customer must be a legal entity registered in mainland
China (country CN; Hong Kong, Macau and Taiwan have their own ISO codes and registries and
are not mainland China) and an enterprise. An enrollment covers Azure only (O1), so every
enrollment is a purchase of Azure and needs no further check.

Enterprise (our reading, stated so it can be challenged): mainland legal entities carry an
18-character Unified Social Credit Code (统一社会信用代码, GB 32100-2015). Its first
character names the registering authority and the second the kind of entity; "91" is an
enterprise registered with the market regulator. Government bodies (1…), social
organisations (5…), sole traders (92…) and farmers' cooperatives (93…) are not enterprises.
"""

from __future__ import annotations

from stdnum.cn import uscc

from commitments.problems import Problem, problem

RULE = "O1"
MAINLAND_CHINA = "CN"
NOT_MAINLAND = {"HK": "Hong Kong", "MO": "Macau", "TW": "Taiwan"}
ENTERPRISE_PREFIX = "91"


def check(country: str, tax_id: str) -> list[Problem]:
    """Every eligibility problem of a customer with this country and tax ID (empty: eligible)."""
    found = []
    country = (country or "").strip().upper()
    if country != MAINLAND_CHINA:
        where = NOT_MAINLAND.get(country, country or "no country")
        message = (f"Country: OSPA is only for legal entities registered in mainland China, "
                   f"and this customer is registered in {where}. Sign through the "
                   f"customer's mainland-China entity (country CN) instead.")
        found.append(problem(RULE, "legal_entity_not_in_mainland_china", message, "country"))
    code = uscc.compact(tax_id or "")
    if not uscc.is_valid(code):
        message = ("Tax ID: OSPA is only for enterprise customers; enter the company's "
                   "18-character Unified Social Credit Code from its business licence "
                   "(e.g. 91310115593064730W) on the customer record.")
        found.append(problem(RULE, "enterprise_registration_missing", message, "tax_id"))
    elif not code.startswith(ENTERPRISE_PREFIX):
        message = (f"Tax ID: {code} is not an enterprise's registration (an enterprise's "
                   f"code starts with {ENTERPRISE_PREFIX}); OSPA is only for enterprise "
                   "customers. Sign through the customer's enterprise entity instead.")
        found.append(problem(RULE, "not_an_enterprise", message, "tax_id"))
    return found
