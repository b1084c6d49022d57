"""Graph's billed invoice reconciliation export in the sandbox (partner-center-api-2.md §5).

POST /v1.0/reports/partners/billing/reconciliation/billed/export {invoiceId, attributeSet}
(and /usage/billed/export, the same over the invoice's Azure usage, ../usage.py)
answers 202 with a Location; GET on it answers 200 with a runningOperation (and
Retry-After) for `config.billing_export_polls` reads, then an exportSuccessOperation naming
the manifest, or a failedOperation {code "5000", "No data available"} when Microsoft has
issued no such invoice. The manifest points at gzip JSON Lines blobs that this server
serves itself, below a directory URL shaped like Microsoft's, to a GET carrying the
manifest's SAS token: a directory-scoped read/list token that expires after
`config.billing_sas_hours`. A missing, forged or expired token answers 403
AuthenticationFailed in Azure Storage's XML shape, as the blob service does.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from connectors.partner_center import wire
from connectors.partner_center.sandbox import invoices
from connectors.partner_center.sandbox.graph.http import GraphCtx, GraphFault, bad_request
from connectors.partner_center.sandbox.state import Sandbox

PATH = "/reports/partners/billing"
CONTAINER = "/billedusagefastpath"  # the container Microsoft's sample rootDirectory names
ODATA = "#microsoft.graph.partners.billing."
KEEP_EXPORTS = 20
# Attributes a "basic" export leaves out (the full/basic split of partners-billing-attributeset).
FULL_ONLY = ("customerDomainName", "customerCountry", "mpnId", "availabilityId",
             "productName", "subscriptionDescription", "publisherId")


def _store(sb: Sandbox) -> dict[str, Any]:
    return sb.data.setdefault("billingExports", {})


def _key(sb: Sandbox) -> bytes:
    """The sandbox's SAS signing key, kept with its state so tokens survive a restart."""
    return sb.data.setdefault("billingSasKey", secrets.token_hex(16)).encode()


# The billed usage attributes a "basic" export leaves out (partners-billing-attributeset).
USAGE_FULL_ONLY = ("AvailabilityId", "BenefitID", "ConsumedService", "CustomerCountry",
                   "CustomerDomainName", "EntitlementDescription", "MeterCategory", "MeterId",
                   "MeterName", "MeterRegion", "MeterSubCategory", "MeterType", "MpnId",
                   "PartnerEarnedCreditPercentage", "ProductName", "PublisherId",
                   "ResourceGroup", "ResourceLocation", "ServiceInfo1", "ServiceInfo2",
                   "SubscriptionDescription", "Tags", "Tier2MpnId", "Unit")


def export(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST .../reconciliation/billed/export: 202 and the operation to poll."""
    return _export(sb, ctx, "reconciliation")


def export_usage(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST .../usage/billed/export (partners-billing-billedusage-export): the same
    request, flow and answers as the reconciliation export, over the invoice's daily rated
    Azure usage."""
    return _export(sb, ctx, "usage")


def export_unbilled_usage(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST .../usage/unbilled/export (partners-billing-unbilledusage-export)
    {billingPeriod: current|last, currencyCode, attributeSet}: the same flow, over the
    usage rated and not invoiced yet."""
    period, currency = ctx.body.get("billingPeriod"), ctx.body.get("currencyCode")
    if period not in ("current", "last"):
        raise bad_request("billingPeriod is required: current or last.")
    if not isinstance(currency, str) or not currency.strip():
        raise bad_request("currencyCode is required.")
    currency = currency.strip().upper()
    # Its files sit where an invoice's would, under the period and currency.
    return _export(sb, ctx, "unbilled", f"{period}-{currency}",
                   {"period": period, "currency": currency})


def _export(sb: Sandbox, ctx: GraphCtx, kind: str, invoice_id: Any = None,
            unbilled: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    attribute_set = ctx.body.get("attributeSet", "full")
    invoice_id = ctx.body.get("invoiceId") if invoice_id is None else invoice_id
    if not isinstance(invoice_id, str) or not invoice_id.strip():
        raise bad_request("invoiceId is required.")
    if attribute_set not in ("full", "basic"):
        raise bad_request("attributeSet must be full or basic.")
    op_id, now = str(uuid.uuid4()), wire.iso(sb.now())
    store = _store(sb)
    for old in list(store)[:-KEEP_EXPORTS]:  # the state file keeps only recent snapshots
        del store[old]
    store[op_id] = {"id": op_id, "invoiceId": invoice_id.strip(), "partner": ctx.partner,
                    "attributeSet": attribute_set, "created": now, "reads": 0, "kind": kind,
                    **({"unbilled": unbilled} if unbilled else {})}
    return 202, None, {"Location": f"{ctx.base_url}{PATH}/operations/{op_id}"}


def _operation(sb: Sandbox, ctx: GraphCtx, op_id: str) -> dict[str, Any]:
    found = _store(sb).get(op_id)
    if found is None or found["partner"] != ctx.partner:
        raise GraphFault(404, "itemNotFound", f"Operation {op_id} was not found.")
    return found


def _finish(sb: Sandbox, op: dict[str, Any]) -> None:
    """Snapshot the invoice's lines into blobs (the data as of the export)."""
    usage = op.get("kind") in ("usage", "unbilled")
    if op.get("kind") == "unbilled":
        found = invoices.unbilled_usage(sb, op["unbilled"]["period"],
                                        op["unbilled"]["currency"])
    else:
        found = (invoices.usage_of if usage else invoices.lines_of)(sb, op["invoiceId"])
    op["finished"] = wire.iso(sb.now())
    if not found:
        op["result"] = "failed"
        return
    if op["attributeSet"] == "basic":
        left_out = USAGE_FULL_ONLY if usage else FULL_ONLY
        found = [{k: v for k, v in line.items() if k not in left_out} for line in found]
    size = max(1, sb.config.billing_blob_lines)
    op["blobs"] = [{"name": f"part-{i:05d}-{uuid.uuid4()}.c000.json.gz",
                    "lines": found[start:start + size]}
                   for i, start in enumerate(range(0, len(found), size))]
    op["month"] = found[0]["UsageDate" if usage else "orderDate"][:7]
    op["manifest"] = str(uuid.uuid4())
    op["etag"] = hashlib.sha256(json.dumps(op["blobs"]).encode()).hexdigest()[:17]
    op["result"] = "succeeded"
    sb.changed()


def operation(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """GET .../operations/{id}: always 200; running (Retry-After), succeeded or failed."""
    op = _operation(sb, ctx, ctx.params["operation"])
    op["reads"] += 1
    body = {"id": op["id"], "createdDateTime": op["created"],
            "lastActionDateTime": wire.iso(sb.now())}
    if "result" not in op and op["reads"] <= sb.config.billing_export_polls:
        return 200, {"@odata.type": ODATA + "runningOperation", **body,
                     "status": "running"}, {
            "Retry-After": str(sb.config.billing_export_retry_after)}
    if "result" not in op:
        _finish(sb, op)
    if op["result"] == "failed":
        return 200, {"@odata.type": ODATA + "failedOperation", **body, "status": "failed",
                     "error": {"message": "No data available", "code": "5000"}}, {}
    link = f"{ctx.base_url}{PATH}/manifests/{op['manifest']}"
    return 200, {"@odata.type": ODATA + "exportSuccessOperation", **body,
                 "status": "succeeded", "resourceLocation@odata.navigationLink": link}, {}


def _directory(op: dict[str, Any]) -> str:
    """The blob directory of an export, as Microsoft's sample rootDirectory lays it out."""
    month = op["month"].replace("-", "")
    version = op["finished"][:7].replace("-", "")
    return (f"{CONTAINER}/v1/PartnerTenantId={op['partner']}/BillingMonth={month}/"
            f"InvoiceId={op['invoiceId']}/InvoiceVersion={version}/"
            f"Fragment={op['attributeSet']}/PartitionType=default")


def _signature(sb: Sandbox, directory: str, expiry: str) -> str:
    digest = hmac.new(_key(sb), f"{directory}\n{expiry}\nrl".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def manifest(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any]:
    """GET .../manifests/{id}: where the files are, with a fresh SAS token to read them."""
    op = next((o for o in _store(sb).values() if o.get("manifest") == ctx.params["manifest"]
               and o["partner"] == ctx.partner), None)
    if op is None:
        raise GraphFault(404, "itemNotFound", f"Manifest {ctx.params['manifest']} was not "
                                              "found.")
    directory = _directory(op)
    expiry = (sb.now() + timedelta(hours=sb.config.billing_sas_hours)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    sas = (f"sv=2021-08-06&se={quote(expiry, safe='')}&sr=d&sp=rl&sdd=7&sig="
           f"{quote(_signature(sb, directory, expiry), safe='')}")
    host = sb.config.billing_blob_host or ctx.base_url.removesuffix("/v1.0")
    return 200, {
        "id": op["manifest"], "schemaVersion": "1", "dataFormat": "compressedJSONLines",
        "createdDateTime": op["finished"], "eTag": op["etag"], "partnerTenantId": op["partner"],
        "rootDirectory": host.rstrip("/") + directory, "sasToken": sas,
        "partitionType": "Default", "blobCount": len(op["blobs"]),
        "blobs": [{"name": b["name"], "partitionValue": "default"} for b in op["blobs"]]}


# --- the blob store ------------------------------------------------------------------------

def _storage_error(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """An Azure Storage error: XML body, the code also in x-ms-error-code."""
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}\nRequestId:{uuid.uuid4()}</Message></Error>")
    return Response(body, status=status, content_type="application/xml",
                    headers={"x-ms-error-code": code, **(headers or {})})


def _sas_problem(sb: Sandbox, directory: str) -> str | None:
    """Why the request's SAS does not read this directory now, or None when it does."""
    expiry, signature = request.args.get("se", ""), request.args.get("sig", "")
    if not expiry or not signature or "r" not in request.args.get("sp", ""):
        return "Server failed to authenticate the request: no shared access signature."
    if not hmac.compare_digest(signature, _signature(sb, directory, expiry)):
        return "Signature did not match."
    if datetime.fromisoformat(expiry.replace("Z", "+00:00")) <= sb.now():
        return "Signature not valid in the specified time frame."
    return None


def _blob(sb: Sandbox, path: str) -> Response:
    """GET one blob of an export, if the SAS allows it."""
    directory, _, name = path.rpartition("/")
    with sb.lock:
        fault = sb.faults.take("GET", request.path)
        if fault and fault.kind == "error":
            return _storage_error(fault.status, fault.code or "ServerBusy",
                                  "The server is busy.",
                                  {"Retry-After": str(fault.retry_after)})
        problem = _sas_problem(sb, directory)
        if problem:
            return _storage_error(403, "AuthenticationFailed", problem)
        found = next((b for o in _store(sb).values() if o.get("result") == "succeeded"
                      and _directory(o) == directory for b in o["blobs"] if b["name"] == name),
                     None)
    if found is None:
        return _storage_error(404, "BlobNotFound", "The specified blob does not exist.")
    text = "".join(json.dumps(line) + "\n" for line in found["lines"])
    return Response(gzip.compress(text.encode(), mtime=0), status=200,
                    content_type="application/octet-stream",
                    headers={"x-ms-blob-type": "BlockBlob"})


def blob_blueprint(sb: Sandbox) -> Blueprint:
    """The export's files, as Azure Blob Storage would serve them (no bearer token)."""
    bp = Blueprint("sandbox_billing_blobs", __name__)

    @bp.get(f"{CONTAINER}/<path:path>")
    def blob(path: str) -> Response:
        return _blob(sb, f"{CONTAINER}/{path}")

    return bp
