"""Findings of the form fuzz run (bench/fuzz/test_form_fuzz.py), each kept as a test."""

from __future__ import annotations

from tests.enrollments.conftest import admin_client, draft, post_action  # noqa: F401


def test_an_unknown_enrollment_status_is_a_form_error_not_a_500(admin_client, draft):  # noqa: F811
    """A validator raised ValueError, which WTForms 3 no longer turns into a field error."""
    response = post_action(admin_client, draft, "status", {"target": "=cmd"})
    assert response.status_code == 422
    assert "Choose a status." in response.get_data(as_text=True)
