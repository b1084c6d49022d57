"""Benchmark: `catalog import` of a 50k-row NCE price list vs a raw executemany of the rows.

Run: .venv/bin/python bench/catalog_import.py [ROWS]   (target: import within 3x of raw)
Both write the same rows into the same kind of database (a fresh SQLite file each).
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.price_list import COLUMNS  # noqa: E402

TERMS = [("P1M", "Monthly"), ("P1Y", "Monthly"), ("P1Y", "Annual")]
MARKETS = [("US", "USD"), ("DE", "EUR"), ("GB", "GBP"), ("PL", "PLN"), ("JP", "JPY")]


def write_price_list(path: Path, rows: int) -> None:
    """A deterministic price list: products x SKUs x terms x markets."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for i in range(rows):
            product, rest = divmod(i, len(TERMS) * len(MARKETS) * 2)
            sku, rest = divmod(rest, len(TERMS) * len(MARKETS))
            (term, plan), (market, currency) = TERMS[rest % 3], MARKETS[rest // 3]
            writer.writerow({
                "ProductTitle": f"Bench Product {product}", "ProductId": f"CFQ7TTC{product:05d}",
                "SkuId": f"{sku + 1:04d}", "SkuTitle": f"Bench SKU {product}-{sku}",
                "Publisher": "Microsoft Corporation", "SkuDescription": "", "UnitOfMeasure": "",
                "TermDuration": term, "BillingPlan": plan, "Market": market,
                "Currency": currency, "UnitPrice": f"{10 + i % 97}.50", "PricingTierRangeMin": "",
                "PricingTierRangeMax": "", "EffectiveStartDate": "2026-11-01",
                "EffectiveEndDate": "", "Tags": "License", "ERP Price": f"{12 + i % 97}.00",
                "Segment": "Commercial"})


def time_import(path: Path, db_file: Path) -> float:
    from flask_migrate import upgrade

    from config.settings import TestingConfig
    from storefront import create_app

    settings = type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}"})
    app = create_app(settings)
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        started = time.perf_counter()
        result = runner.invoke(args=["catalog", "import", str(path)])
        elapsed = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        print("  " + result.output.strip().splitlines()[-2])
    return elapsed


def time_raw(path: Path, db_file: Path) -> float:
    """The floor: read the CSV and executemany the rows into one plain table."""
    conn = sqlite3.connect(db_file)
    conn.execute("CREATE TABLE prices (product TEXT, sku TEXT, term TEXT, plan TEXT, "
                 "market TEXT, currency TEXT, unit_price TEXT, erp_price TEXT)")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["ProductId"], r["SkuId"], r["TermDuration"], r["BillingPlan"], r["Market"],
                 r["Currency"], r["UnitPrice"], r["ERP Price"]) for r in csv.DictReader(handle)]
    conn.executemany("INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prices.csv"
        write_price_list(path, rows)
        raw = time_raw(path, Path(tmp) / "raw.sqlite")
        imported = time_import(path, Path(tmp) / "app.sqlite")
        again = time_import(path, Path(tmp) / "app.sqlite")
    print(f"rows={rows} raw_executemany={raw:.2f}s catalog_import={imported:.2f}s "
          f"ratio={imported / raw:.2f}x (target <= 3x); re-import (no changes)={again:.2f}s")


if __name__ == "__main__":
    main()
