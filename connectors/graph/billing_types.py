"""Typed values of Microsoft Graph's partner billing export, parsed from its JSON.

The billed invoice reconciliation export (partners-billing-billedreconciliation-export,
https://learn.microsoft.com/graph/api/partners-billing-billedreconciliation-export) answers
202 with an operation to poll; a succeeded operation names a manifest; the manifest lists
gzip JSON Lines blobs of reconciliation line items. Their attributes are the new commerce
reconciliation file's (https://learn.microsoft.com/partner-center/billing/
modern-invoice-reconciliation-file): the documented samples write them in camelCase
(get-invoiceline-items) and the attribute tables in PascalCase, numbers sometimes as strings
("16") and sometimes as numbers (16), so keys are read whatever their case and numbers
whatever their JSON type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.graph.errors import GraphError

SUCCEEDED = "succeeded"
RUNNING = "running"
FAILED = "failed"


class ExportFailed(GraphError):
    """Graph ended the export with a failedOperation (code 5000: "No data available")."""


class ExportNotReady(GraphError):
    """The export was still running after the polls we allow: ask again later."""

    default_retryable = True


class BlobDownloadFailed(GraphError):
    """A manifest's blob could not be read (an expired SAS answers 403): export again."""


def _lowered(data: Any) -> dict[str, Any]:
    """A JSON object with lower-cased keys (PascalCase and camelCase read alike)."""
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}


def _text(row: dict[str, Any], *keys: str) -> str:
    """The first present string field among `keys` (lower-case names); "" when none."""
    for key in keys:
        value = row.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def _decimal(row: dict[str, Any], key: str, default: str = "0") -> Decimal:
    """A number written as a JSON number or a string ("16", 14.4); absent is `default`."""
    value = row.get(key)
    if value in (None, ""):
        return Decimal(default)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{key} is not a number: {value!r}") from exc


def _day(row: dict[str, Any], key: str) -> date | None:
    """The calendar date a timestamp names as written (its own offset kept), or None.

    ISO 8601 in the JSON samples ("2021-05-20T00:00:00Z", "2019-02-04T09:22:40.17-08:00");
    m/d/yyyy in the CSV file the same attributes come from ("9/1/2020")."""
    value = _text(row, key)
    if not value:
        return None
    if "/" in value:
        month, day, year = (int(part) for part in value.split(" ")[0].split("/"))
        return date(year, month, day)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def _moment(row: dict[str, Any], key: str) -> datetime | None:
    """A timestamp field, or None (also when written as a bare m/d/yyyy date, which the
    CSV file does and which says nothing about the time)."""
    value = _text(row, key)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class BillingOperation:
    """A long-running export: running (wait `retry_after`), succeeded or failed."""

    id: str
    status: str  # running | succeeded | failed
    manifest_url: str | None
    error_code: str | None
    error_message: str | None
    retry_after: float | None = None

    @classmethod
    def from_wire(cls, data: Any, retry_after: float | None = None) -> BillingOperation:
        """Read an operation; the resource page lists notStarted|running|completed|failed
        while the samples say succeeded, so completed reads as succeeded too."""
        odata_type = str(data.get("@odata.type", "")) if isinstance(data, dict) else ""
        status = str(data.get("status", "")).lower() if isinstance(data, dict) else ""
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        if odata_type.endswith("exportSuccessOperation") or status in ("succeeded",
                                                                       "completed"):
            status = SUCCEEDED
        elif odata_type.endswith("failedOperation") or status == "failed":
            status = FAILED
        else:
            status = RUNNING
        return cls(id=str(data.get("id", "")), status=status,
                   manifest_url=data.get("resourceLocation@odata.navigationLink") or None,
                   error_code=str(error["code"]) if error.get("code") else None,
                   error_message=str(error["message"]) if error.get("message") else None,
                   retry_after=retry_after)


@dataclass(frozen=True)
class ManifestBlob:
    """One file of an export: its name under the manifest's root directory."""

    name: str
    partition_value: str


@dataclass(frozen=True)
class BillingManifest:
    """Where an export's files are: a blob directory, a SAS token to read it, the files."""

    id: str
    data_format: str
    etag: str  # a new value means a new version of the data
    partner_tenant_id: str
    root_directory: str
    sas_token: str
    blobs: tuple[ManifestBlob, ...]
    created: datetime | None

    @classmethod
    def from_wire(cls, data: Any) -> BillingManifest:
        """Read a manifest (partners-billing-manifest-get)."""
        row = data if isinstance(data, dict) else {}
        blobs = tuple(ManifestBlob(str(b.get("name", "")), str(b.get("partitionValue", "")))
                      for b in row.get("blobs") or [] if isinstance(b, dict) and b.get("name"))
        created = row.get("createdDateTime")
        return cls(id=str(row.get("id", "")), data_format=str(row.get("dataFormat", "")),
                   etag=str(row.get("eTag", "")),
                   partner_tenant_id=str(row.get("partnerTenantId", "")),
                   root_directory=str(row.get("rootDirectory", "")).rstrip("/"),
                   sas_token=str(row.get("sasToken", "")).lstrip("?"), blobs=blobs,
                   created=datetime.fromisoformat(str(created).replace("Z", "+00:00"))
                   if created else None)

    def blob_url(self, blob: ManifestBlob) -> str:
        """rootDirectory + "/" + name + "?" + sasToken: the directory-scoped SAS reads any
        file under it (the token is a query string without its "?")."""
        return f"{self.root_directory}/{blob.name}?{self.sas_token}"


@dataclass(frozen=True)
class ReconciliationLineItem:
    """One billed line of Microsoft's invoice: what the partner pays Microsoft for it."""

    invoice_number: str
    partner_id: str
    customer_id: str  # the customer's Entra tenant id
    customer_name: str
    customer_country: str
    mpn_id: str
    reseller_mpn_id: str
    order_id: str
    order_date: datetime | None
    product_id: str
    sku_id: str
    availability_id: str
    product_name: str
    sku_name: str
    charge_type: str  # new, renew, cycleCharge, addQuantity, removeQuantity, ...
    unit_price: Decimal  # the partner's price per unit and charge cycle
    effective_unit_price: Decimal  # prorated; negative on refunds
    quantity: Decimal
    billable_quantity: Decimal  # the quantity to reconcile with
    subtotal: Decimal  # pre-tax, in the billing currency
    tax_total: Decimal
    total: Decimal
    currency: str  # the billing currency
    pricing_currency: str
    exchange_rate: Decimal  # PCToBCExchangeRate: pricing → billing currency
    subscription_id: str
    subscription_description: str
    subscription_start: date | None
    subscription_end: date | None
    charge_start: date | None
    charge_end: date | None  # inclusive; empty for perpetual software
    term_and_billing_cycle: str
    billing_frequency: str
    reference_id: str  # shared by the two lines of one seat change
    unit_type: str

    @classmethod
    def from_wire(cls, data: Any) -> ReconciliationLineItem:
        """Read one JSON Lines record (either key case; numbers as numbers or strings)."""
        row = _lowered(data)
        quantity = _decimal(row, "quantity")
        subtotal = _decimal(row, "subtotal")
        tax = _decimal(row, "taxtotal")
        currency = _text(row, "currency", "billingcurrency")
        return cls(
            invoice_number=_text(row, "invoicenumber"), partner_id=_text(row, "partnerid"),
            customer_id=_text(row, "customerid"),
            customer_name=_text(row, "customername", "customercompanyname"),
            customer_country=_text(row, "customercountry"), mpn_id=_text(row, "mpnid"),
            reseller_mpn_id=_text(row, "resellermpnid"), order_id=_text(row, "orderid"),
            order_date=_moment(row, "orderdate"), product_id=_text(row, "productid"),
            sku_id=_text(row, "skuid"), availability_id=_text(row, "availabilityid"),
            product_name=_text(row, "productname"), sku_name=_text(row, "skuname"),
            charge_type=_text(row, "chargetype"), unit_price=_decimal(row, "unitprice"),
            effective_unit_price=_decimal(row, "effectiveunitprice"), quantity=quantity,
            billable_quantity=_decimal(row, "billablequantity", str(quantity)),
            subtotal=subtotal, tax_total=tax,
            total=_decimal(row, "total", str(subtotal + tax)) if "total" in row
            else _decimal(row, "totalforcustomer", str(subtotal + tax)),
            currency=currency, pricing_currency=_text(row, "pricingcurrency") or currency,
            exchange_rate=_decimal(row, "pctobcexchangerate", "1"),
            subscription_id=_text(row, "subscriptionid"),
            subscription_description=_text(row, "subscriptiondescription"),
            subscription_start=_day(row, "subscriptionstartdate"),
            subscription_end=_day(row, "subscriptionenddate"),
            charge_start=_day(row, "chargestartdate"), charge_end=_day(row, "chargeenddate"),
            term_and_billing_cycle=_text(row, "termandbillingcycle"),
            billing_frequency=_text(row, "billingfrequency"),
            reference_id=_text(row, "referenceid"), unit_type=_text(row, "unittype"))


@dataclass(frozen=True)
class UsageLineItem:
    """One day of one meter of one Azure subscription, billed on a Microsoft invoice
    (partners-billing-billedusage-export; the attributes of partners-billing-attributeset,
    valued as https://learn.microsoft.com/partner-center/billing/daily-rated-usage-recon-files
    describes them)."""

    invoice_number: str
    customer_id: str  # the customer's Entra tenant id
    customer_name: str
    # SubscriptionId: the subscription (the Azure plan) in Microsoft's billing platform,
    # which the recon file page says is not the id Partner Center shows; read to match it
    # with a mirrored plan all the same, since nothing else names the plan.
    subscription_id: str
    tier2_mpn_id: str  # Tier2MpnId: the reseller of record's MPN ID ("full" set only)
    entitlement_id: str  # the Azure subscription id
    entitlement_description: str  # the Azure subscription's name
    usage_date: date | None
    meter_category: str
    meter_name: str
    quantity: Decimal
    unit_price: Decimal  # the price list's, per unit, in the pricing currency
    effective_unit_price: Decimal  # after discounts and the partner earned credit
    pricing_currency: str
    pricing_pre_tax_total: Decimal
    billing_pre_tax_total: Decimal  # what the partner pays, in the billing currency
    billing_currency: str
    exchange_rate: Decimal  # PCToBCExchangeRate: pricing -> billing currency
    credit_percentage: Decimal  # Azure credit applied: 0 or 100
    charge_type: str

    @classmethod
    def from_wire(cls, data: Any) -> UsageLineItem:
        """Read one JSON Lines record (either key case; numbers as numbers or strings)."""
        row = _lowered(data)
        return cls(
            invoice_number=_text(row, "invoicenumber"), customer_id=_text(row, "customerid"),
            customer_name=_text(row, "customername"),
            subscription_id=_text(row, "subscriptionid"),
            tier2_mpn_id=_text(row, "tier2mpnid"),
            entitlement_id=_text(row, "entitlementid"),
            entitlement_description=_text(row, "entitlementdescription"),
            usage_date=_day(row, "usagedate"), meter_category=_text(row, "metercategory"),
            meter_name=_text(row, "metername"), quantity=_decimal(row, "quantity"),
            unit_price=_decimal(row, "unitprice"),
            effective_unit_price=_decimal(row, "effectiveunitprice"),
            pricing_currency=_text(row, "pricingcurrency"),
            pricing_pre_tax_total=_decimal(row, "pricingpretaxtotal"),
            billing_pre_tax_total=_decimal(row, "billingpretaxtotal"),
            billing_currency=_text(row, "billingcurrency"),
            exchange_rate=_decimal(row, "pctobcexchangerate", "1"),
            credit_percentage=_decimal(row, "creditpercentage"),
            charge_type=_text(row, "chargetype"))

    @property
    def list_total(self) -> Decimal:
        """The usage at the price list's price, in the billing currency, less any Azure
        credit: what the customer pays at list price (Microsoft's price before the
        partner's earned credit)."""
        return (self.unit_price * self.quantity * self.exchange_rate
                * (100 - self.credit_percentage) / 100)
