"""Enrollment status machine: activation (O1, O4), suspension and reactivation (O8)."""

from dataclasses import replace
from datetime import date

import pytest

from commitments.credit import CreditCheck
from commitments.enrollment import Actor, Document, Status, SuspensionReason
from commitments.lifecycle import (
    activate,
    activation_problems,
    allowed_transitions,
    data_retained,
    deprovision_on,
    expire,
    reactivate,
    return_to_draft,
    submit_for_credit_check,
    suspend,
    terminate,
)
from commitments.problems import CommitmentRefused

TODAY = date(2025, 4, 1)


def test_a_signed_funded_and_credit_checked_enrollment_becomes_active(
    draft, initial_order, passed_check
):
    checking = submit_for_credit_check(draft, date(2025, 3, 10))
    for document in Document:
        checking = checking.sign(document)
    active = activate(checking, [initial_order], [passed_check], TODAY)
    assert (active.status, active.status_since) == (Status.ACTIVE, TODAY)


def test_refuses_activation_while_any_of_the_four_documents_is_unsigned(
    draft, initial_order, passed_check
):
    checking = submit_for_credit_check(draft.sign(Document.ORDER_FORM), TODAY)
    problems = activation_problems(checking, [initial_order], [passed_check], TODAY)
    assert [(p.code, p.field) for p in problems] == [
        ("O1.document_unsigned", "terms_and_conditions"),
        ("O1.document_unsigned", "contact_information_sheet"),
        ("O1.document_unsigned", "signature_form"),
    ]


def test_refuses_activation_without_a_credit_check(signed, initial_order):
    with pytest.raises(CommitmentRefused) as refused:
        activate(signed, [initial_order], [], TODAY)
    assert refused.value.codes == ("O4.credit_check_required",)


def test_refuses_activation_after_a_failed_credit_check(signed, initial_order):
    failed = CreditCheck(1, date(2025, 3, 15), passed=False)
    with pytest.raises(CommitmentRefused) as refused:
        activate(signed, [initial_order], [failed], TODAY)
    assert refused.value.codes == ("O4.credit_check_failed",)


def test_refuses_activation_without_the_year_1_commitment(signed, passed_check):
    with pytest.raises(CommitmentRefused) as refused:
        activate(signed, [], [passed_check], TODAY)
    assert refused.value.codes == ("O1.missing_initial_commitment",)


def test_refuses_activation_straight_from_draft(draft, initial_order, passed_check):
    signed_draft = replace(draft, signed_documents=frozenset(Document))
    with pytest.raises(CommitmentRefused) as refused:
        activate(signed_draft, [initial_order], [passed_check], TODAY)
    assert refused.value.codes == ("O8.illegal_status_transition",)


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (Status.DRAFT, suspend),
        (Status.CREDIT_CHECK, terminate),
        (Status.EXPIRED, terminate),
        (Status.EXPIRED, submit_for_credit_check),
        (Status.TERMINATED, expire),
        (Status.ACTIVE, return_to_draft),
        (Status.ACTIVE, submit_for_credit_check),
        (Status.SUSPENDED, suspend),
    ],
)
def test_refuses_illegal_status_transitions(active, status, move):
    enrollment = replace(active, status=status)
    with pytest.raises(CommitmentRefused) as refused:
        if move is suspend:
            move(enrollment, SuspensionReason.UNPAID_OVERAGE, TODAY)
        else:
            move(enrollment, TODAY)
    assert refused.value.codes == ("O8.illegal_status_transition",)


def test_an_expired_enrollment_can_go_nowhere():
    assert allowed_transitions(Status.EXPIRED) == frozenset()


def test_suspension_records_its_reason_and_date(active):
    suspended = suspend(active, SuspensionReason.MISSING_ANNUAL_ORDER, date(2026, 5, 1))
    assert suspended.status is Status.SUSPENDED
    assert suspended.suspension_reason is SuspensionReason.MISSING_ANNUAL_ORDER
    assert suspended.status_since == date(2026, 5, 1)


def test_data_is_kept_90_days_after_suspension_then_deprovisioned(active):
    suspended = suspend(active, SuspensionReason.UNPAID_OVERAGE, date(2025, 9, 16))
    assert deprovision_on(suspended) == date(2025, 12, 15)
    assert data_retained(suspended, date(2025, 12, 14))
    assert not data_retained(suspended, date(2025, 12, 15))


def test_data_is_kept_90_days_after_termination(active):
    terminated = terminate(active, date(2026, 1, 1))
    assert deprovision_on(terminated) == date(2026, 4, 1)
    assert deprovision_on(active) is None


def test_only_the_provider_reactivates_a_suspended_enrollment(active):
    suspended = suspend(active, SuspensionReason.UNPAID_OVERAGE, date(2025, 9, 16))
    with pytest.raises(CommitmentRefused) as refused:
        reactivate(suspended, Actor.RESELLER, date(2025, 9, 20), date(2025, 9, 20))
    assert refused.value.codes == ("O8.reactivation_by_provider_only",)


def test_refuses_reactivation_before_payment_or_a_new_order(active):
    suspended = suspend(active, SuspensionReason.UNPAID_OVERAGE, date(2025, 9, 16))
    with pytest.raises(CommitmentRefused) as refused:
        reactivate(suspended, Actor.PROVIDER, None, date(2025, 9, 20))
    assert refused.value.codes == ("O8.reactivation_needs_payment_or_order",)


def test_the_provider_reactivates_after_payment(active):
    suspended = suspend(active, SuspensionReason.UNPAID_OVERAGE, date(2025, 9, 16))
    back = reactivate(suspended, Actor.PROVIDER, date(2025, 9, 20), date(2025, 9, 21))
    assert (back.status, back.suspension_reason, back.status_since) == (
        Status.ACTIVE,
        None,
        date(2025, 9, 21),
    )


def test_a_terminated_enrollment_can_be_reactivated_by_the_provider_after_a_new_order(active):
    terminated = terminate(active, date(2026, 1, 1))
    assert reactivate(terminated, Actor.PROVIDER, date(2026, 1, 5), date(2026, 1, 5)).status is (
        Status.ACTIVE
    )


def test_refuses_to_reactivate_an_expired_or_active_enrollment(active):
    expired = expire(active, date(2028, 4, 1))
    for enrollment in (expired, active):
        with pytest.raises(CommitmentRefused) as refused:
            reactivate(enrollment, Actor.PROVIDER, date(2028, 4, 2), date(2028, 4, 2))
        assert refused.value.codes == ("O8.illegal_status_transition",)


def test_a_credit_check_can_send_the_enrollment_back_to_draft(signed):
    assert return_to_draft(signed, TODAY).status is Status.DRAFT
