"""Custom term end dates (R6), as custom-term-end-dates and align-subscription-end-dates
document them.

GET {c}/subscriptions/customTermEndDates?term_duration=P1M|P1Y|P3Y[&term_start_date=]
[&target_coterm_subscription_id=] lists the dates a new subscription's first term may end
on: the end of a calendar month, and the end dates of the customer's active new-commerce
subscriptions ("subscriptionAligned", naming them). The rules of align-subscription-end-
dates: the date falls within the first term; annual and 3-year subscriptions cannot align
with monthly ones; a monthly one cannot align to a 28th, 29th or 30th unless that is the
month's last day. A cart line's customTermEndDate must be one of them, else the line
carries error 10016 [the code's meaning inferred from the cart error table's order].

Paging (custom-term-end-dates, "Request headers"): at most 300 dates a page; when more
follow, the continuation token comes in the response header MS-ContinuationToken and is
sent back in the same header on the next request (same query). The token carries the
query and position; one that is not ours, or was made for another query, answers 400.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import paging
from connectors.partner_center.sandbox.customers import collection, customer
from connectors.partner_center.sandbox.errors import bad_request
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.terms import last_day, midnight

TERMS = ("P1M", "P1Y", "P3Y")
PAGE_SIZE = 300  # dates per page (custom-term-end-dates)
NOT_ALLOWED = 10016


def _month_end(end: date) -> date:
    """The latest last day of a month on or before `end` (the standard term's last day)."""
    last = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return last if last <= end else end.replace(day=1) - timedelta(days=1)


def _alignable(record: dict[str, Any], term: str, start: datetime, last: date) -> bool:
    """An active new-commerce subscription whose last day (commitmentEndDate, inclusive)
    falls inside the new term (after its first day, by its `last` day), and one the term
    may align with (the page's monthly rules)."""
    sub = record["wire"]
    ends = wire.timestamp(sub, "commitmentEndDate")
    if record["kind"] != "nce" or sub["status"] != "active" or ends is None:
        return False
    if not start.date() < ends.date() <= last:
        return False
    if term != "P1M" and sub.get("termDuration") == "P1M":
        return False  # annual and 3-year terms cannot align with monthly ones
    month_last = calendar.monthrange(ends.year, ends.month)[1]
    return not (term == "P1M" and ends.day in (28, 29, 30) and ends.day != month_last)


def allowed(sb: Sandbox, tenant_id: str, term: str, start: datetime,
            target: str | None = None) -> list[dict[str, Any]]:
    """The allowed dates (each a term's last day, as commitmentEndDate): the calendar month
    end, then one item per subscription end date."""
    end = last_day(start, term).date()  # the standard term's last day
    items: list[dict[str, Any]] = []
    month_end = _month_end(end)
    if month_end > start.date() and not target:
        items.append({"allowedCustomTermEndDateType": "calendarMonthAligned",
                      "allowedCustomTermEndDate": f"{month_end.isoformat()}T00:00:00"})
    by_date: dict[date, list[str]] = {}
    for record in sb.data["subscriptions"].values():
        if record["customerId"] == tenant_id and _alignable(record, term, start, end) and (
                not target or record["wire"]["id"] == target):
            ends = wire.timestamp(record["wire"], "commitmentEndDate")
            by_date.setdefault(ends.date(), []).append(record["wire"]["id"])
    for day, ids in sorted(by_date.items()):
        items.append({"allowedCustomTermEndDateType": "subscriptionAligned",
                      "cotermSubscriptionIds": ids,
                      "allowedCustomTermEndDate": f"{day.isoformat()}T00:00:00"})
    return items


def _start(sb: Sandbox, query_value: str | None) -> datetime:
    """term_start_date, the intended purchase date: today when absent, never in the past."""
    if not query_value:
        return sb.now()
    try:
        day = date.fromisoformat(query_value[:10])
    except ValueError as exc:
        raise bad_request(2000, f"term_start_date {query_value!r} is not a date.") from exc
    if day < sb.now().date():
        raise bad_request(2000, "term_start_date cannot be in the past.")
    return sb.now() if day == sb.now().date() else datetime.combine(day, time(), UTC)


def custom_term_end_dates(sb: Sandbox, tenant_id: str, query: Any,
                          continuation: str | None = None) -> tuple[int, Any, dict[str, str]]:
    """GET {c}/subscriptions/customTermEndDates: one page of 300, the token of the next
    in the MS-ContinuationToken response header."""
    customer(sb, tenant_id)
    term = (query.get("term_duration") or "").upper()
    if term not in TERMS:
        raise bad_request(2000, "term_duration is required: P1M, P1Y or P3Y.")
    asked = {"tenant": tenant_id, "term": term, "start": query.get("term_start_date") or "",
             "target": query.get("target_coterm_subscription_id") or ""}
    offset = _offset(continuation, asked)
    start = _start(sb, query.get("term_start_date"))
    dates = allowed(sb, tenant_id, term, start, asked["target"] or None)
    headers = {}
    if offset + PAGE_SIZE < len(dates):
        headers[paging.TOKEN_HEADER] = paging.encode(
            asked | {"offset": offset + PAGE_SIZE, "size": PAGE_SIZE})
    return 200, collection(dates[offset:offset + PAGE_SIZE]), headers


def _offset(continuation: str | None, asked: dict[str, str]) -> int:
    """Where the page starts: 0, or where the token left off for the same query."""
    if not continuation:
        return 0
    state = paging.decode(continuation)
    if any(state.get(key) != value for key, value in asked.items()):
        raise bad_request(2000, "The continuation token was made for another query; start "
                                "again from the first page.")
    return int(state["offset"])


def line_error(sb: Sandbox, tenant_id: str, line: dict[str, Any]) -> dict[str, Any] | None:
    """A cart line's customTermEndDate that is not an allowed date (10016)."""
    wanted = wire.timestamp(line, "customTermEndDate")
    if not wire.get(line, "customTermEndDate"):
        return None
    term = wire.text(line, "termDuration").upper()
    dates = {wire.timestamp(i, "allowedCustomTermEndDate").date()
             for i in allowed(sb, tenant_id, term, sb.now())} if term in TERMS else set()
    if wanted is not None and wanted.date() in dates:
        return None
    return {"errorCode": NOT_ALLOWED, "errorDescription": "customTermEndDate is not an "
            "allowed custom term end date for this purchase; read customTermEndDates."}


def first_term_end(sb: Sandbox, tenant_id: str, line: dict[str, Any]) -> datetime | None:
    """The commitmentEndDate of a new subscription bought with a custom end date: that day,
    the first term's last day (cart-resources: "the end date of the first billing term"),
    at 00:00 UTC as an aligned subscription's own commitmentEndDate."""
    wanted = wire.timestamp(line, "customTermEndDate")
    return None if wanted is None else midnight(wanted)
