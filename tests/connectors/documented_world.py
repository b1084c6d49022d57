"""What the contract tests share: on the client side a client answered with documented
responses; on the sandbox side the world the documented requests are pointed at, and the
check each scenario hands back."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import responses

from connectors.partner_center import PartnerCenterClient, SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL

DOC = "https://pc.test"
E3 = ("CFQ7TTC0LFLZ", "0001")
SQL_SERVER = ("DG7GMGF0FKZV", "0002")
WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006")


@dataclass
class Check:
    """A sandbox answer and the documented answer it must match."""

    operation: str
    response: requests.Response
    status: int | None
    body: Any
    absent_ok: dict[str, str] = field(default_factory=dict)  # documented key → why absent
    equal: tuple[str, ...] = ()  # top-level values that must be the documented ones


def against(operation: str, response: requests.Response, answer: dict[str, Any],
            **kw: Any) -> Check:
    """Check against one documented response ({status, body})."""
    return Check(operation, response, answer["status"], answer["body"], **kw)


def registry() -> tuple[dict[str, Callable], Callable[[str], Callable]]:
    """A table of named cases and the decorator that fills it."""
    table: dict[str, Callable] = {}

    def entry(name: str) -> Callable[[Callable], Callable]:
        def register(build: Callable) -> Callable:
            table[name] = build
            return build
        return register

    return table, entry


class World:
    """The sandbox, with the customers and purchases the documented requests point at."""

    def __init__(self, sandbox, client, make_customer, line) -> None:
        self.sandbox, self.client = sandbox, client
        self._make, self._line, self._names = make_customer, line, itertools.count()

    def send(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
             headers: dict | None = None) -> requests.Response:
        """The documented request, with an app+user token (every route accepts one)."""
        return requests.request(method, LIVE_BASE_URL + path, params=query, json=body,
                                headers={"Authorization": "Bearer sandbox-user:p"}
                                | (headers or {}), timeout=5)

    def customer(self, name: str = "contoso", *, mca: bool = True) -> str:
        """A new US customer tenant, with an MCA on record unless told otherwise."""
        return self._make(f"{name}{next(self._names)}", mca=mca).id

    def catalog_item(self, product: tuple[str, str] = E3) -> str:
        """The current catalog item id of a product's SKU (availability ids rotate)."""
        return self._line(product).catalog_item_id

    def buy(self, product: tuple[str, str] = E3, quantity: int = 1, term: str = "P1M",
            cycle: str = "monthly") -> tuple[str, str, dict[str, Any]]:
        """(customer, order, subscription JSON) of a completed purchase without reseller."""
        customer = self.customer()
        line = self._line(product, quantity, term, cycle, reseller="")
        cart = self.client.create_cart(customer, [line])
        order = self.client.checkout_cart(customer, cart.id).orders[0].id
        sub_id = self.client.get_order(customer, order).lines[0].subscription_id
        sub = self.send("GET", f"/v1/customers/{customer}/subscriptions/{sub_id}").json()
        return customer, order, sub


class Documented:
    """A client whose every request is answered with documented responses."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.client = PartnerCenterClient(requests.Session(), DOC, SandboxTokenProvider(),
                                          max_attempts=1, sleeper=lambda _s: None)

    def serve(self, method: str, answer: dict[str, Any], status: int | None = None) -> None:
        """Answer `method` requests with a documented response ({status, headers, body})."""
        headers = {k: v for k, v in (answer.get("headers") or {}).items()
                   if k.lower() not in ("content-length", "content-type")}
        body = answer.get("body")
        self.mock.add(method, re.compile(re.escape(DOC) + "/.*"),
                      status=status or answer.get("status") or 200, headers=headers,
                      body="" if body is None else json.dumps(body),
                      content_type="application/json")

    def sent(self, method: str) -> list[Any]:
        """The JSON bodies the client sent with `method`."""
        return [json.loads(c.request.body) for c in self.mock.calls
                if c.request.method == method and c.request.body]
