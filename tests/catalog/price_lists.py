"""Small NCE price lists for tests, written the way Partner Center publishes them."""

from __future__ import annotations

import csv
import io

from catalog.price_list import COLUMNS

BASE = {
    "ProductTitle": "Microsoft 365 Business Standard", "ProductId": "CFQ7TTC0LDPB",
    "SkuId": "0001", "SkuTitle": "Microsoft 365 Business Standard", "Publisher": "Microsoft",
    "SkuDescription": "Business Standard", "UnitOfMeasure": "1 Month License",
    "TermDuration": "P1M", "BillingPlan": "Monthly", "Market": "US", "Currency": "USD",
    "UnitPrice": "12.00", "PricingTierRangeMin": "", "PricingTierRangeMax": "",
    "EffectiveStartDate": "2026-11-01T00:00:00Z", "EffectiveEndDate": "", "Tags": "License",
    "ERP Price": "15.00", "Segment": "Commercial",
}


def row(**changes) -> dict:
    return {**BASE, **changes}


def standard_rows() -> list[dict]:
    return [
        row(),
        row(TermDuration="P1Y", BillingPlan="Monthly", UnitPrice="10.00", **{"ERP Price": "12.50"}),
        row(TermDuration="P1Y", BillingPlan="Annual", UnitPrice="120.00",
            **{"ERP Price": "150.00"}),
        row(ProductTitle="Dynamics 365 Sales Enterprise", ProductId="CFQ7TTC0LH18",
            SkuTitle="Dynamics 365 Sales Enterprise", UnitPrice="84.00", **{"ERP Price": "105"}),
        row(ProductTitle="Red Hat Enterprise Linux", ProductId="DG7GMGF0D7FV",
            SkuTitle="RHEL Server", Publisher="Red Hat", TermDuration="P1Y",
            BillingPlan="Annual", UnitPrice="700", **{"ERP Price": "799"}),
    ]


def to_csv(rows: list[dict], columns=COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
