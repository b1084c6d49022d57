"""GDAP values: ISO 8601 durations as Graph writes them, and what a relationship grants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.graph import GLOBAL_ADMINISTRATOR, Relationship
from connectors.graph.durations import format_duration, parse


@pytest.mark.parametrize(("text", "days"), [
    ("P730D", 730), ("P2Y", 730), ("P180D", 180), ("P1D", 1), ("P31D", 31), ("P1W", 7),
    ("PT0S", 0), ("P0D", 0), ("P1Y6M", 545),
])
def test_graph_durations_read_a_year_as_365_days(text, days):
    assert parse(text) == timedelta(days=days)


def test_durations_with_a_time_part_are_read_to_the_second():
    assert parse("P1DT2H30M5.5S") == timedelta(days=1, hours=2, minutes=30, seconds=5.5)


@pytest.mark.parametrize("text", ["", "P", "PT", "730D", "P-1D", "P1.5D", "1 day"])
def test_anything_but_an_iso_duration_is_refused(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse(text)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(days=730), "P730D"), (timedelta(0), "PT0S"), (timedelta(days=180), "P180D"),
    (timedelta(hours=36), "PT129600S"),
])
def test_durations_are_written_in_days_as_gdap_does(delta, text):
    assert format_duration(delta) == text


def test_a_relationship_read_with_nulls_and_empty_strings_has_no_such_values():
    rel = Relationship.from_wire({"id": "r", "status": "approvalPending", "customer": None,
                                  "activatedDateTime": "", "endDateTime": None,
                                  "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "a"},
                                                                     {"x": 1}]}})
    assert (rel.customer_tenant_id, rel.activated, rel.ends, rel.roles) == (None, None, None,
                                                                             ("a",))
    assert rel.duration == timedelta(0) and not rel.auto_extends


def test_an_active_relationship_counts_only_until_its_end_and_only_for_its_roles():
    end = datetime(2026, 1, 1, tzinfo=UTC)
    rel = Relationship("r", "n", "t", "c", "active", timedelta(days=30), timedelta(0),
                       ("a", "b"), None, None, end)
    assert rel.active_at(end - timedelta(seconds=1)) and not rel.active_at(end)
    assert rel.covers({"a"}) and rel.covers(["a", "b"])
    assert not rel.covers(["a", GLOBAL_ADMINISTRATOR])
    expired = Relationship("r", "n", "t", "c", "expired", timedelta(days=30), timedelta(0),
                           ("a",), None, None, end)
    assert not expired.active_at(end - timedelta(days=1))
