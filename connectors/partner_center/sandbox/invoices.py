"""Microsoft's invoices to the partner, and the control that makes them disagree with us.

One invoice per billing month with billed lines (billing.py), in the partner's billing
currency, issued on day `config.billing_invoice_day` of the next month (Microsoft: "between
the sixth and eighth days of the following month"). GET /v1/invoices lists the issued ones
(get-a-collection-of-invoices: offset paging, links.next "/invoices?size=2&offset=2").

POST /_sandbox/billing/discrepancy changes what Microsoft bills, so a reconciliation has
something to find: {"kind": "quantity", "quantity": 11} or {"kind": "amount", "subtotal":
"99.99"} change one line (the first of `month`, or the one of `subscriptionId` and
`chargeType`), {"kind": "extra"} adds a line for a subscription nobody sold.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, jsonify, request

from connectors.partner_center.sandbox import billing, usage
from connectors.partner_center.sandbox.customers import collection, link
from connectors.partner_center.sandbox.errors import SandboxError, bad_request
from connectors.partner_center.sandbox.state import Sandbox

KINDS = ("quantity", "amount", "extra")


def invoice_id(month: str) -> str:
    """A Microsoft-style invoice number (G + 9 digits) for a billing month."""
    year, number = month.split("-")
    return f"G{year[2:]}{number}00001"


def issued_on(sb: Sandbox, month: str) -> date:
    """The day Microsoft publishes a billing month's invoice (the next month's invoice day)."""
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return date(year, number, sb.config.billing_invoice_day)


def billed(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """Every billed line by month, with the injected discrepancies applied."""
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in billing.lines(sb):
        by_month[billing.billing_month(line)].append(line)
    for change in sb.data.get("billingDiscrepancies", []):
        _apply(by_month[change["month"]], change)
    return {month: found for month, found in by_month.items() if found}


def used(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """Every day of Azure usage by month (usage.py), billed on the same invoices."""
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in usage.lines(sb):
        by_month[usage.billing_month(line)].append(line)
    return dict(by_month)


def issued(sb: Sandbox, usage: dict[str, list[dict[str, Any]]] | None = None
           ) -> dict[str, list[dict[str, Any]]]:
    """The months whose invoice Microsoft has issued by the sandbox's today, with their
    license-based lines (none for a month of Azure usage alone), each line carrying its
    invoice number. `usage`: used(sb), when the caller has read it."""
    today = sb.now().date()
    licensed = billed(sb)
    done = {}
    for month in sorted(licensed.keys() | (used(sb) if usage is None else usage).keys()):
        if issued_on(sb, month) <= today:
            done[month] = [line | {"invoiceNumber": invoice_id(month)}
                           for line in licensed.get(month, [])]
    return done


def unbilled_usage(sb: Sandbox, period: str, currency: str) -> list[dict[str, Any]] | None:
    """The Azure usage of the current (or last) billing period not invoiced yet, in the
    partner's billing currency (no InvoiceNumber); None when there is none: another
    currency, or a last period whose invoice is out."""
    today = sb.now().date()
    month = today.replace(day=1)
    if period == "last":
        month = (month - timedelta(days=1)).replace(day=1)
    key = f"{month.year:04d}-{month.month:02d}"
    found = used(sb).get(key)
    if currency != billing.BILLING_CURRENCY or not found or issued_on(sb, key) <= today:
        return None
    return found


def usage_of(sb: Sandbox, number: str) -> list[dict[str, Any]] | None:
    """An issued invoice's Azure usage lines, or None when Microsoft has issued no such
    invoice or it bills no usage."""
    today = sb.now().date()
    return next(([line | {"InvoiceNumber": number} for line in found]
                 for month, found in used(sb).items()
                 if invoice_id(month) == number and issued_on(sb, month) <= today), None)


def _invoice(sb: Sandbox, month: str, found: list[dict[str, Any]],
             usage: list[dict[str, Any]]) -> dict[str, Any]:
    """An Invoice resource (invoice-resources) for one month's lines and Azure usage."""
    number, start = invoice_id(month), date.fromisoformat(f"{month}-01")
    end = billing.add_months(start, 1)
    total = sum((Decimal(line["total"]) for line in found), Decimal(0)) + sum(
        (Decimal(line["BillingPreTaxTotal"]) for line in usage), Decimal(0))
    return {
        "id": number, "invoiceDate": f"{issued_on(sb, month).isoformat()}T00:00:00Z",
        "billingPeriodStartDate": f"{start.isoformat()}T00:00:00Z",
        "billingPeriodEndDate": f"{end.isoformat()}T00:00:00Z",
        "totalCharges": float(total), "paidAmount": 0,
        "currencyCode": billing.BILLING_CURRENCY, "currencySymbol": "$",
        "invoiceDetails": [{"invoiceLineItemType": "billing_line_items",
                            "billingProvider": "one_time",
                            "links": {"self": link(f"/invoices/OneTime-{number}/lineitems/"
                                                   "OneTime/BillingLineItems")},
                            "attributes": {"objectType": "InvoiceDetail"}}],
        "documentType": "invoice", "invoiceType": "OneTime",
        "links": {"self": link(f"/invoices/OneTime-{number}")},
        "attributes": {"objectType": "Invoice"}}


def list_invoices(sb: Sandbox, size: int, offset: int) -> tuple[int, Any]:
    """GET /v1/invoices?size=&offset=: newest first, a page of `size` (0: all)."""
    usage = used(sb)  # once: every month's Azure usage is made from the state
    found = [_invoice(sb, month, lines, usage.get(month, [])) for month, lines in
             sorted(issued(sb, usage).items(), reverse=True)]
    if size <= 0:
        return 200, collection(found, links=False)
    body = collection(found[offset:offset + size], links=False)
    body["links"] = {"self": link(f"/invoices?size={size}&offset={offset}")}
    if offset + size < len(found):
        body["links"]["next"] = link(f"/invoices?size={size}&offset={offset + size}")
    return 200, body


def lines_of(sb: Sandbox, number: str) -> list[dict[str, Any]] | None:
    """An issued invoice's lines, or None when Microsoft has issued no such invoice."""
    return next((found for month, found in issued(sb).items()
                 if invoice_id(month) == number), None)


# --- discrepancies ------------------------------------------------------------------------

def _target(found: list[dict[str, Any]], change: dict[str, Any]) -> dict[str, Any] | None:
    """The line a change applies to: its subscription and charge type, else the first."""
    for line in found:
        if change.get("subscriptionId") not in (None, line["subscriptionId"]):
            continue
        if change.get("chargeType") not in (None, line["chargeType"]):
            continue
        return line
    return None


def _apply(found: list[dict[str, Any]], change: dict[str, Any]) -> None:
    """Apply one stored discrepancy to a month's lines (in place)."""
    if change["kind"] == "extra":
        found.append(dict(change["line"]))
        return
    line = _target(found, change)
    if line is None:
        return
    if change["kind"] == "quantity":
        quantity = int(change["quantity"])
        amount = billing.subtotal(Decimal(line["effectiveUnitPrice"]),
                                  Decimal(line["pcToBCExchangeRate"]), quantity)
        line.update(quantity=str(quantity), billableQuantity=str(quantity))
    else:
        amount = Decimal(change["subtotal"])
    line.update(subtotal=billing.decimal_text(amount, "0.01"),
                total=billing.decimal_text(amount, "0.01"))


def _month(sb: Sandbox, body: dict[str, Any]) -> str:
    """The month a change names, else the latest month with billed lines."""
    month = body.get("month")
    if month is not None:
        if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
            raise bad_request(2000, "month must look like 2026-11 (YYYY-MM).")
        return month
    months = sorted(billed(sb))
    if not months:
        raise bad_request(2000, "Nothing is billed yet: buy something first, or give month.")
    return months[-1]


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    """The change as stored, or 400 naming the field to fix."""
    kind = body.get("kind")
    if kind not in KINDS:
        raise bad_request(2000, f"kind must be one of {', '.join(KINDS)}.")
    change = {k: body[k] for k in ("subscriptionId", "chargeType") if body.get(k)}
    if kind in ("quantity", "extra"):
        quantity = body.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise bad_request(2000, "quantity must be a whole number, 0 or more.")
        change["quantity"] = quantity
    if kind == "amount":
        try:
            change["subtotal"] = str(Decimal(str(body["subtotal"])))
        except (KeyError, InvalidOperation) as exc:
            raise bad_request(2000, "subtotal must be an amount such as \"99.99\".") from exc
    return change | {"kind": kind}


def _extra_line(sb: Sandbox, month: str, change: dict[str, Any],
                found: list[dict[str, Any]]) -> dict[str, Any]:
    """A line for a subscription nobody sold: the first line of the month, re-labelled."""
    if not found:
        raise bad_request(2000, f"Nothing is billed in {month} to copy an extra line from.")
    line = dict(found[0])
    quantity = change["quantity"] or 1
    amount = billing.subtotal(Decimal(line["unitPrice"]), Decimal(line["pcToBCExchangeRate"]),
                              quantity)
    line.update(subscriptionId=str(uuid.uuid4()), orderId=uuid.uuid4().hex[:12],
                chargeType="new", referenceId="", quantity=str(quantity),
                billableQuantity=str(quantity), effectiveUnitPrice=line["unitPrice"],
                subtotal=billing.decimal_text(amount, "0.01"),
                total=billing.decimal_text(amount, "0.01"))
    return line


def add_discrepancy(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any] | None:
    """Store a change to Microsoft's billing; returns the line it produces (None: no line
    of that month matches)."""
    change = _checked(body)
    month = _month(sb, body)
    change["month"] = month
    found = billed(sb).get(month, [])
    if change["kind"] == "extra":
        change["line"] = _extra_line(sb, month, change, found)
    elif _target(found, change) is None:
        return None
    sb.data.setdefault("billingDiscrepancies", []).append(change)
    sb.changed()
    after = billed(sb)[month]
    return after[-1] if change["kind"] == "extra" else _target(after, change)


def add_admin_controls(bp: Blueprint, sb: Sandbox) -> None:
    """POST /_sandbox/billing/discrepancy (add one), DELETE (remove them all)."""

    @bp.post("/billing/discrepancy")
    def add_billing_discrepancy() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(error="Send a JSON object such as {\"kind\": \"quantity\", "
                                 "\"quantity\": 11}."), 400
        try:
            with sb.lock:
                line = add_discrepancy(sb, body)
        except SandboxError as error:
            return jsonify(error=error.description), error.status
        if line is None:
            return jsonify(error="No billed line of that month matches subscriptionId and "
                                 "chargeType."), 404
        return jsonify(line), 201

    @bp.delete("/billing/discrepancy")
    def clear_billing_discrepancies() -> Any:
        with sb.lock:
            sb.data["billingDiscrepancies"] = []
            sb.changed()
        return "", 204
