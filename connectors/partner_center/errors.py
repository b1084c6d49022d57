"""Partner Center errors, named by what the caller should do about them.

One root, `PartnerCenterError`, carries the HTTP status, the Partner Center code, the
description and the MS-RequestId/MS-CorrelationId to give to support. `error_from_response`
parses the three documented body shapes (classic ApiFault with a numeric or string code,
new-style with errorName/isRetryable, and the 429 throttle body) and picks the subclass by
code first, then by status. `describe(code)` turns a code into a sentence fit for a UI.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.http_retry import parse_retry_after


class PartnerCenterError(Exception):
    """A failed Partner Center call; `retryable` says whether trying again later can help."""

    default_retryable = False

    def __init__(
        self,
        description: str,
        *,
        http_status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(description)
        self.http_status = http_status
        self.code = code
        self.description = description
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        where = f"HTTP {self.http_status}" if self.http_status else "no response"
        code = f" code {self.code}" if self.code else ""
        return f"{where}{code}: {self.description} (MS-RequestId {self.request_id})"

    @property
    def meaning(self) -> str:
        """Plain-language meaning of this error's code, for messages shown to people."""
        return describe(self.code) if self.code else self.description


class ReauthenticationRequired(PartnerCenterError):
    """The token was refused (401, 900420, 900421, 800001): get a new token or credentials."""


class ConsentRequired(ReauthenticationRequired):
    """The app+user refresh token is dead: an admin must sign in and consent again."""


class AccessDenied(PartnerCenterError):
    """Wrong token type or missing privilege (403, 900329, 900309, 900308)."""


class InvalidRequest(PartnerCenterError):
    """Partner Center refused the input or a business rule (400/403): fix the request."""


class AgreementAlreadyExists(InvalidRequest):
    """The same MCA attestation was already recorded for this customer (600061)."""


class NotFound(PartnerCenterError):
    """The customer, catalog item, cart, order or subscription does not exist (any more)."""


class Conflict(PartnerCenterError):
    """Another operation is still running on this resource (409): retry later."""

    default_retryable = True


class CartAlreadySubmitted(Conflict):
    """The cart was already checked out (800065): read its orders instead of buying again."""

    default_retryable = False


class Throttled(PartnerCenterError):
    """Rate limit hit (429): wait `retry_after` seconds."""

    default_retryable = True

    def __init__(self, description: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(description, **kw)
        self.retry_after = retry_after


class ServiceUnavailable(PartnerCenterError):
    """Partner Center failed (5xx) or did not answer (connection error, timeout)."""

    default_retryable = True


_MEANINGS: dict[str, str] = {
    "600049": "This country requires the organisation registration number (INN).",
    "600050": "The organisation registration number has the wrong format for this country.",
    "600002": "A registration number must not be given for this country.",
    "600051": "This country requires a phone number in the billing address.",
    "600061": "This customer's acceptance of the agreement was already recorded.",
    "13605": "The customer has not accepted the Microsoft Customer Agreement yet.",
    "900203": "This product requires an attestation to be accepted.",
    "900206": "The partner-of-record attestation must be accepted.",
    "800060": "An order for this customer is still being processed; try again shortly.",
    "800064": "This cart is being checked out right now; wait for it to finish.",
    "800065": "This cart was already checked out; its orders exist.",
    "800066": "The customer already has the maximum number of subscriptions of this plan.",
    "800088": "The seat limit for this product on the customer's tenant would be exceeded.",
    "800082": "The subscription is not ready yet; try again shortly.",
    "900278": "Another change to this subscription is pending; retry in 24 hours.",
    "2091": "This product is no longer available for purchase.",
    "400013": "This product is no longer in the catalog.",
    "400018": "This product variant (SKU) is no longer in the catalog.",
    "400019": "This offer's availability changed; reload the catalog and order again.",
    "900213": "The cancellation window has passed; the subscription can no longer be cancelled.",
    "900214": "The window for reducing seats has passed.",
    "900117": "The cancellation window in days has passed.",
    "900329": "This operation needs a user (app+user) sign-in, not an app-only token.",
    "900309": "Access blocked by a conditional-access policy.",
    "900308": "The signed-in account lacks the privileges for this operation.",
    "900124": "The reseller has not accepted the Microsoft Partner Agreement (MPA).",
    "900123": "The reseller has not accepted the Microsoft Partner Agreement (MPA).",
    "900420": "The token was issued for the wrong audience; sign in again.",
    "900421": "The user sign-in did not use multi-factor authentication.",
    "800001": "The partner token is missing or invalid; sign in again.",
    "404": "The customer tenant was not found.",
    "60003": "The customer tenant was not found.",
    "20003": "The subscription was not found.",
    "20000": "The order was not found.",
    "800008": "The cart was not found.",
    "3000": "The MPN ID (PartnerID) is not known to Microsoft.",
    "2200": "The MPN ID is unknown or not migrated to the Microsoft Partner Agreement.",
    "2203": "The reseller has not signed the Microsoft Partner Agreement (MPA).",
    "2002": "The quantity is outside the allowed minimum and maximum.",
    "800090": "The seat count cannot be decreased.",
    "800091": "The subscription is suspended.",
    "2011": "The subscription was deleted.",
    "2055": "The subscription changed meanwhile; reload it and try again.",
    "800063": "Change this subscription with a subscription update instead.",
    "800019": "This item can only be cancelled through its order.",
}


def describe(code: str | int | None) -> str:
    """Say in plain words what a Partner Center error code means for the person ordering."""
    if code is None:
        return "Partner Center refused the request."
    return _MEANINGS.get(str(code), f"Partner Center refused the request (code {code}).")


_BY_CODE: dict[str, type[PartnerCenterError]] = {
    **dict.fromkeys(("900420", "900421", "800001"), ReauthenticationRequired),
    **dict.fromkeys(("900329", "900309", "900308"), AccessDenied),
    **dict.fromkeys(
        ("60003", "20003", "20000", "800008", "400013", "400018", "400019", "3000", "2200"),
        NotFound,
    ),
    **dict.fromkeys(("800060", "800064", "800082", "900278"), Conflict),
    "800065": CartAlreadySubmitted,
    "600061": AgreementAlreadyExists,
}


def _class_for(status: int, code: str | None) -> type[PartnerCenterError]:
    """Pick the error class by documented code first, then by HTTP status."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status == 401:
        return ReauthenticationRequired
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if status == 429:
        return Throttled
    if status >= 500:
        return ServiceUnavailable
    if status == 403 and code is None:
        return AccessDenied
    return InvalidRequest


def _parse_body(text: str) -> tuple[str | None, str | None, bool | None]:
    """Return (code, description, isRetryable) from any of the three error body shapes."""
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    raw_code = body.get("code", body.get("Code"))
    code = None if raw_code in (None, "") else str(raw_code)
    description = (
        body.get("description") or body.get("message") or body.get("Description")
        or body.get("Message")
    )
    retryable = body.get("isRetryable")
    return code, description, retryable if isinstance(retryable, bool) else None


def error_from_response(
    response: requests.Response, request_id: str, correlation_id: str
) -> PartnerCenterError:
    """Turn a non-success Partner Center response into the matching typed error."""
    status = response.status_code
    code, description, retryable = _parse_body(response.text)
    cls = _class_for(status, code)
    kwargs: dict[str, Any] = {
        "http_status": status,
        "code": code,
        "request_id": response.headers.get("MS-RequestId", request_id),
        "correlation_id": response.headers.get("MS-CorrelationId", correlation_id),
    }
    if retryable is not None and cls not in (ServiceUnavailable, Throttled):
        kwargs["retryable"] = retryable
    text = description or describe(code) if code else description or f"HTTP {status}"
    if cls is Throttled:
        wait = parse_retry_after(response.headers.get("Retry-After"))
        return Throttled(text, retry_after=wait, **kwargs)
    return cls(text, **kwargs)
