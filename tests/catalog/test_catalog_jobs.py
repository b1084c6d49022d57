"""The catalog from the browser (#20 point 7): a price-list upload and a Partner Center
sync run as background jobs with a progress page and a line-numbered error report.

Tests play the worker: the page queues the job, the test runs it (catalog.jobs.run, what
the Celery task calls) and reads the pages the admin would."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog import jobs
from catalog.models import CatalogJob, Price, Product
from connectors.partner_center.app_client import get_client
from persistence import db
from tests.catalog.price_lists import row, standard_rows, to_csv
from tests.conftest import csrf_token, login, make_price


@pytest.fixture
def admin(client, world):
    login(client, world.admin)
    return client


def upload(client, content: str | bytes, filename: str = "prices.csv"):
    """POST the file as a browser does; the body is encoded here, in memory, since the
    test client would spool a large one to a temporary file it never closes."""
    data = content.encode() if isinstance(content, str) else content
    token = csrf_token(client, "/admin/catalog/jobs")
    body, content_type = multipart({"csrf_token": token}, "price_list", filename, data)
    return client.post("/admin/catalog/jobs/upload", data=body, content_type=content_type)


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes
              ) -> tuple[bytes, str]:
    boundary = "----catalogjobtest"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
             f"{value}\r\n".encode() for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def the_job() -> CatalogJob:
    return db.session.scalars(select(CatalogJob).order_by(CatalogJob.id.desc())).first()


def run_queued(job: CatalogJob) -> CatalogJob:
    """What the worker does with the queued message."""
    jobs.run(job.id, get_client)
    db.session.refresh(job)
    return job


def test_an_upload_applies_the_good_lines_and_reports_the_bad_one_by_line(admin, world):
    rows = standard_rows()
    rows[2] = row(TermDuration="P1Y", BillingPlan="Annual", UnitPrice="abc")  # file line 4
    answer = upload(admin, to_csv(rows))
    job = the_job()
    assert answer.status_code == 302 and answer.location.endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, job.percent) == ("import", "queued", 0)
    run_queued(job)
    assert (job.status, job.percent, job.total, job.processed) == ("done", 100, 4, 4)
    assert job.error_count == 1 and job.content == ""  # the file is not kept
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert ("line 4, column UnitPrice: &#39;abc&#39; is not a number; use a number like "
            "12.50") in page
    # The world's own price is undated: line 2's row, dated from a past day, is a row of its
    # own that replaces it (catalog/effective.py). A file with errors unlists nothing.
    assert "4 added, 0 changed" in page and "0 no longer listed" in page
    assert "Nothing was unlisted or ended because 1 line has errors" in page
    titles = set(db.session.scalars(select(Product.title)))
    assert {"Dynamics 365 Sales Enterprise", "Red Hat Enterprise Linux"} <= titles
    annual = db.session.scalar(select(func.count(Price.id)).where(
        Price.billing_cycle == "annual", Price.market == "US", Price.currency == "USD",
        Price.unit_price == 120))
    assert annual == 0  # the bad line was not applied


def test_the_error_report_downloads_as_a_spreadsheet_with_formulas_neutralised(admin, world):
    bad = row(Market="=HYPERLINK(\"http://evil.example\")", SkuId="0002")
    upload(admin, to_csv([row(), bad]))
    job = run_queued(the_job())
    answer = admin.get(f"/admin/catalog/jobs/{job.id}/errors.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    records = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert records[0] == ["Line", "Column", "Problem", "How to fix it"]
    assert records[1][:2] == ["3", "Market"]
    assert "use a 2-letter country code like US" in records[1][3]
    assert not any(cell.startswith(("=", "+", "-", "@")) for record in records
                   for cell in record)


def test_a_file_without_one_valid_line_changes_nothing(admin, world):
    upload(admin, to_csv([row(UnitPrice="x"), row(SkuId="0002", Currency="US")]))
    job = run_queued(the_job())
    assert job.status == "failed" and job.error_count == 2
    assert "nothing was imported" in job.summary
    db.session.refresh(world.price)
    assert world.price.listed  # an empty import would have unlisted every price


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("prices.xlsx", "a,b\n", "is not a .csv file"),
    ("prices.csv", "", "the file is empty or not CSV text"),
    ("prices.csv", b"\xff\xfe\x00P\x00r", "the file is empty or not CSV text"),
])
def test_an_upload_that_is_no_csv_is_refused_with_how_to_fix_it(admin, world, filename,
                                                                content, message):
    answer = upload(admin, content, filename)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert the_job() is None


def test_an_upload_without_a_file_names_the_field(admin, world):
    answer = admin.post("/admin/catalog/jobs/upload",
                        data={"csrf_token": csrf_token(admin, "/admin/catalog/jobs")})
    assert answer.status_code == 422
    assert "Price list: choose the CSV file" in answer.get_data(as_text=True)


def test_a_price_list_larger_than_other_bodies_is_accepted_up_to_its_own_limit(app, admin,
                                                                              world):
    big = to_csv([row(SkuId=f"{n:04d}") for n in range(6000)])
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]  # every other route's limit
    assert upload(admin, big).status_code == 302
    app.config["PRICE_LIST_MAX_BYTES"] = 100_000
    assert upload(admin, big).status_code == 413


def test_a_sync_job_reaches_done_with_its_progress(admin, world):
    answer = admin.post("/admin/catalog/jobs/sync", data={
        "market": "us", "csrf_token": csrf_token(admin, "/admin/catalog/jobs")})
    job = the_job()
    assert answer.status_code == 302 and (job.kind, job.market) == ("sync", "US")
    status = admin.get(f"/admin/catalog/jobs/{job.id}/status.json").get_json()
    assert (status["status"], status["percent"], status["final"]) == ("queued", 0, False)
    run_queued(job)
    status = admin.get(f"/admin/catalog/jobs/{job.id}/status.json").get_json()
    assert (status["status"], status["percent"], status["final"]) == ("done", 100, True)
    assert status["processed"] == status["total"] == 12  # every demo product, one by one
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert "11 new products, 1 updated" in page  # the world's own product was there
    assert 'value="100"' in page and 'data-final="true"' in page
    assert run_queued(job).finished_at is not None  # a redelivered message changes nothing


def test_a_sync_that_fails_says_so_and_changes_nothing(admin, world, app):
    job = jobs.start_sync("US", world.admin.id)

    def broken():
        raise RuntimeError("Partner Center is unreachable")

    jobs.run(job.id, broken)
    db.session.refresh(job)
    assert job.status == "failed" and "Partner Center is unreachable" in job.failure
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert "The job failed and changed nothing" in page


def test_the_progress_page_polls_from_a_static_script(admin, world):
    job = jobs.start_sync("US", world.admin.id)
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert f'data-live-job="/admin/catalog/jobs/{job.id}/status.json"' in page
    assert 'data-final="false"' in page and "catalog-job.js" in page
    with admin.get("/static/catalog-job.js") as script:
        assert script.status_code == 200
    listing = admin.get("/admin/catalog/jobs").get_data(as_text=True)
    assert "Sync of market US" in listing


def test_next_months_upload_names_the_offers_it_leaves_out_as_ending(admin, world):
    """Next month's list without Red Hat: the job's summary says Red Hat sells until that
    list starts, not only a count nobody can act on."""
    start = datetime.now(UTC).date() + timedelta(days=3)
    upload(admin, to_csv(standard_rows()))
    run_queued(the_job())
    upload(admin, to_csv([{**r, "EffectiveStartDate": start.isoformat()}
                          for r in standard_rows()[:-1]]))
    job = run_queued(the_job())
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert (f"1 ending (Red Hat Enterprise Linux RHEL Server P1Y annual US: not "
            f"in the new list, sold until {start - timedelta(days=1)})") in page


def listed(product_id: str) -> list[bool]:
    return list(db.session.scalars(select(Price.listed).join(Price.sku).join(Product)
                                   .where(Product.pc_product_id == product_id)))


def test_a_file_with_invalid_lines_unlists_nothing_not_even_the_offers_it_names(admin,
                                                                               world):
    """One good Polish line, the world's US offer with a formula for a price, and a line
    with a 3-letter market: the good line is added, and no offer becomes unsellable."""
    make_price(title="Teams Essentials", product_id="CFQ7TTC0TEAM")
    db.session.commit()
    upload(admin, to_csv([row(Market="PL", Currency="PLN"), row(UnitPrice="=1+1"),
                          row(ProductId="CFQ7TTC0TEAM", Market="POL")]))
    job = run_queued(the_job())
    assert job.status == "done" and job.error_count == 2
    assert listed("CFQ7TTC0LDPB") == [True, True] and listed("CFQ7TTC0TEAM") == [True]
    page = admin.get(f"/admin/catalog/jobs/{job.id}").get_data(as_text=True)
    assert "1 added, 0 changed, 0 unchanged, 0 no longer listed" in page
    assert ("Nothing was unlisted or ended because 2 lines have errors; fix them and "
            "import the whole file again.") in page
    assert "nothing was unlisted, since a file with errors" in page


def test_a_clean_file_unlists_only_in_the_markets_it_has_lines_for(admin, world):
    """A German-only list leaves the US offers as they were and says so; a German offer it
    leaves out is unlisted, as Microsoft's full list for that market means."""
    make_price(title="Teams Essentials", product_id="CFQ7TTC0TEAM", market="DE",
               currency="EUR")
    db.session.commit()
    upload(admin, to_csv([row(Market="DE", Currency="EUR")]))
    job = run_queued(the_job())
    assert listed("CFQ7TTC0LDPB") == [True, True]  # the world's US price and the new DE one
    assert listed("CFQ7TTC0TEAM") == [False]
    assert "1 no longer listed" in job.summary
    assert ("Unlisting was limited to the file's markets (DE): 1 listed price of another "
            "market was kept.") in job.summary


def test_an_out_of_range_line_is_reported_and_the_valid_lines_still_apply(admin, world):
    rows = standard_rows() + [
        row(SkuId="0009", SkuTitle="Big tier", PricingTierRangeMin="1",
            PricingTierRangeMax="99999999999999999999"),  # file line 7
        row(SkuId="0010", SkuTitle="Big price", UnitPrice="123456789012345")]  # line 8
    upload(admin, to_csv(rows))
    job = run_queued(the_job())
    assert (job.status, job.error_count) == ("done", 2), job.failure
    report = jobs.error_report(job)
    assert report[0].startswith("line 7, column PricingTierRangeMax: '99999999999999999999'")
    assert jobs.FIXES["PricingTierRangeMax"] in report[0]
    assert report[1].startswith("line 8, column UnitPrice: '123456789012345'")
    assert jobs.FIXES["UnitPrice"] in report[1]
    assert db.session.scalar(select(func.count(Price.id)).where(
        Price.market == "US", Price.effective_start.is_not(None))) == len(standard_rows())
