"""Microsoft's documented Partner Center samples (tests/fixtures/partner_center/documented)
and the shape comparison the contract tests make between a sample and an answer."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DOCUMENTED = Path(__file__).resolve().parents[1] / "fixtures" / "partner_center" / "documented"


@cache
def _load(name: str) -> str:
    return (DOCUMENTED / f"{name}.json").read_text(encoding="utf-8")


def sample(name: str) -> dict[str, Any]:
    """One fixture file (a fresh copy each time, so tests may change it)."""
    return json.loads(_load(name))


def _kind(value: Any) -> str:
    """The JSON type of a value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array"}.get(type(value), "null")


def shape_differences(doc: Any, actual: Any, *, allowed: frozenset[str] = frozenset(),
                      absent_ok: frozenset[str] = frozenset(), path: str = "") -> list[str]:
    """Where `actual` is not shaped like the documented `doc`.

    Every documented key must be there with the same casing and JSON type (null in the
    docs matches anything); no key may be added unless its path is in `allowed`
    ("lineItems[].pricing"); `absent_ok` names documented keys the answer may lack (or, as
    "details[]", lists it may leave empty). Lists compare their first elements; an empty
    list fits a documented list of plain values but not one of objects. An empty
    documented object (an elided one) fits any object.
    """
    if doc is None:
        return []
    if _kind(doc) != _kind(actual):
        return [f"{path or 'body'}: {_kind(actual)} where the docs show {_kind(doc)}"]
    if isinstance(doc, dict):
        return _object_differences(doc, actual, allowed, absent_ok, path)
    if isinstance(doc, list) and doc:
        if not actual:
            fits = not isinstance(doc[0], dict | list) or f"{path}[]" in absent_ok
            return [] if fits else [f"{path}[]: empty"]
        return shape_differences(doc[0], actual[0], allowed=allowed, absent_ok=absent_ok,
                                 path=f"{path}[]")
    return []


def _object_differences(doc: dict, actual: dict, allowed: frozenset[str],
                        absent_ok: frozenset[str], path: str) -> list[str]:
    if not doc:
        return []
    found = []
    for key, value in doc.items():
        where = f"{path}.{key}" if path else key
        if key in actual:
            found += shape_differences(value, actual[key], allowed=allowed,
                                       absent_ok=absent_ok, path=where)
        elif where not in absent_ok:
            found.append(f"{where}: missing")
    extra = [f"{path}.{key}" if path else key for key in actual if key not in doc]
    return found + [f"{where}: not in the docs" for where in extra if where not in allowed]


def with_ids(path: str, **ids: str) -> str:
    """The documented path with the segment after each named one replaced, keeping the
    documented shape: with_ids("/v1/customers/<id>/orders/<o>", customers=c, orders=o)."""
    parts = path.split("/")
    for at, part in enumerate(parts[:-1]):
        if part in ids:
            parts[at + 1] = ids[part]
    return "/".join(parts)


def with_values(body: Any, values: dict[str, Any]) -> Any:
    """The documented body with the values at these paths replaced ("id",
    "lineItems[].catalogItemId"), matching keys in any case and keeping the documented
    casing ("LineItems"/"CatalogItemId" stay as the sample spells them)."""
    body = copy.deepcopy(body)
    for path, value in values.items():
        _set(body, path.split("."), value)
    return body


def _set(node: Any, steps: list[str], value: Any) -> None:
    name, rest = steps[0], steps[1:]
    key = next((k for k in node if k.lower() == name.removesuffix("[]").lower()), None)
    if key is None:
        raise KeyError(f"the documented body has no {name!r}")
    if not rest:
        node[key] = value
    elif name.endswith("[]"):
        for item in node[key]:
            _set(item, rest, value)
    else:
        _set(node[key], rest, value)


def with_items(collection: dict[str, Any], *items: Any) -> dict[str, Any]:
    """A documented collection envelope holding other documented items."""
    return collection | {"items": list(items)}


# Each public method of CustomersApi and CommerceApi → the fixtures documenting it.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "create_customer": ("create_customer",),
    "get_customer": ("get_customer",),
    "list_customers": ("list_customers",),
    "search_customers": ("search_customers",),
    "list_indirect_resellers": ("list_indirect_resellers",),
    "list_customer_relationships": ("list_customer_relationships",),
    "is_domain_available": ("is_domain_available",),
    "validate_address": ("validate_address",),
    "get_country_rules": ("get_country_rules",),
    "get_relationship_request_url": ("get_relationship_request_url",),
    "get_agreement_templates": ("get_agreement_templates",),
    "create_customer_agreement": ("create_customer_agreement",),
    "list_customer_agreements": ("list_customer_agreements",),
    "get_qualifications": ("get_qualifications",),
    "create_qualification": ("create_qualification",),
    "get_mpn_profile": ("get_mpn_profile",),
    "get_reseller_mpa_status": ("get_reseller_mpa_status",),
    "list_products": ("list_products",),
    "list_skus": ("list_skus",),
    "list_availabilities": ("list_availabilities",),
    "create_cart": ("create_cart",),
    "get_cart": ("get_cart",),
    "checkout_cart": ("checkout_cart",),
    "get_order": ("get_order",),
    "list_orders": ("list_orders",),
    "get_order_provisioning_status": ("get_order_provisioning_status",),
    "cancel_order": ("cancel_order",),
    "list_subscriptions": ("list_subscriptions",),
    "get_subscription": ("get_subscription",),
    "update_subscription": ("update_subscription", "update_subscription_quantity",
                            "update_subscription_autorenew", "cancel_subscription",
                            "suspend_subscription", "reactivate_subscription"),
    "schedule_next_term": ("schedule_next_term",),
    "get_transition_eligibilities": ("get_transition_eligibilities",),
    "create_transition": ("create_transition",),
    "get_transitions": ("get_transitions",),
    "get_custom_term_end_dates": ("get_custom_term_end_dates",),
}
