"""Background provisioning of orders: idempotent, resumable, never lost, never doubled.

`provision_order` walks an order through Partner Center (customer, MCA attestation, cart,
checkout, added licenses, provisioning, local mirror); every write is keyed by an id stored
before the call (see provisioning_steps), so running it again after a crash anywhere
finishes the same order without a second customer, cart checkout or subscription.

`run_job` is what workers call: it claims the order's ProvisioningJob row with a lease (a
conditional UPDATE, so two workers never run one order at once), runs `provision_order`,
and settles the job: done, attention (business errors, with the reason and next step),
or retry after a backoff (timeouts, 5xx, 429, crashes, an add-licenses line whose
subscription Partner Center does not show yet). A worker killed mid-run leaves an
expired lease that `reconcile` finds and re-drives, like any job whose message was lost.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from catalog.price_words import counted
from checkout.context import FixUrls
from checkout.fetch import remote_facts
from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.errors import PartnerCenterError, Throttled
from orders import rebuy
from orders.models import Order, OrderLine, OrderStatus, ProvisioningJob, utcnow
from persistence import as_utc, db
from provisioning import azure, licenses, purchase, results, standing, steps
from provisioning.attention import ADMIN_RETRY, NeedsAttention, explain
from provisioning.licenses import NotReady
from provisioning.steps import Checkpoint, StillProvisioning

log = logging.getLogger("provisioning.jobs")
FINAL = (OrderStatus.PROVISIONED, OrderStatus.PARTIALLY_PROVISIONED, OrderStatus.CANCELLED)
RUNNABLE = ("queued", "retry", "running")
# An order an admin closed (provisioning.closing): no worker claims it, no retry reopens it.
CLOSED = "closed"
_jitter = random.Random()  # noqa: S311 - spreading retries, not security


def _no_checkpoint(_step: str) -> None:
    """Production runs have no injected crashes."""


def provision_order(order_id: int, client: PartnerCenterClient, *,
                    checkpoint: Checkpoint = _no_checkpoint) -> str:
    """Provision one order end to end, resuming from whatever an earlier run stored."""
    order = db.session.get(Order, order_id)
    if order is None or order.status in FINAL:
        return order.status if order else ""
    standing.check(order)  # K9: deactivated while it waited, before anything is sent
    if order.status != OrderStatus.PROVISIONING:
        order.record(OrderStatus.PROVISIONING, "Sending the order to Partner Center.")
        db.session.commit()
    steps.ensure_customer(order, client, checkpoint)
    steps.attest_mca(order, client, checkpoint)
    new_lines = [ln for ln in order.lines if ln.action != "add_licenses"]
    if new_lines and purchase.to_buy(new_lines):
        azure.register_azure_plan(order, new_lines, client, checkpoint)  # K12
        purchase.buy(order, new_lines, client, checkpoint)
    for line in order.lines:
        if line.action == "add_licenses" and line.status != "provisioned":
            licenses.add_licenses(order, line, client, checkpoint)
    results.await_subscriptions(order, client)
    results.mirror_subscriptions(order, client)
    results.mirror_software_entitlements(order, client)  # S7: keys are recorded against them
    return results.finish(order)


def _setting(name: str, default: float) -> float:
    """A provisioning knob from the app config."""
    return float(current_app.config.get(name, default))


def claim(order_id: int, now: datetime | None = None) -> bool:
    """Take the job's lease if it is due and nobody holds a live lease on it."""
    now = now or utcnow()
    lease = timedelta(seconds=_setting("PROVISIONING_LEASE_SECONDS", 300))
    job = ProvisioningJob
    taken = db.session.execute(
        update(job).where(job.order_id == order_id, job.state.in_(RUNNABLE),
                          job.run_after <= now,
                          or_(job.locked_until.is_(None), job.locked_until < now))
        .values(state="running", locked_until=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def run_job(order_id: int, client: PartnerCenterClient, *,
            checkpoint: Checkpoint = _no_checkpoint) -> float | None:
    """Run the order's job once; return seconds until it should run again, or None."""
    if not claim(order_id):
        return None
    try:
        status = provision_order(order_id, client, checkpoint=checkpoint)
    except StillProvisioning as waiting:
        return _poll_later(order_id, waiting)
    except NeedsAttention as problem:
        return _attention(order_id, problem)
    except NotReady as waiting:  # counted: a subscription that never comes needs a person
        return _retry(order_id, waiting)
    except PartnerCenterError as error:
        if not error.retryable:
            return _attention(order_id, explain(error))
        return _retry(order_id, error)
    except Exception as error:  # a crash: the stored ids make the next run safe
        log.exception("provisioning of order %s crashed", order_id)
        return _retry(order_id, error)
    job_state = "attention" if status == OrderStatus.NEEDS_ATTENTION else "done"
    return _settle(order_id, job_state, "", None, count=False)


def _poll_later(order_id: int, waiting: StillProvisioning) -> float | None:
    """Look again while Partner Center works (an order, a checkout's orders, an Azure plan's
    registration): every PROVISIONING_POLL_SECONDS at first, then less often as the wait
    ages (a twelfth of its age with the defaults), at most every
    PROVISIONING_POLL_CAP_SECONDS; past PROVISIONING_PENDING_DEADLINE_SECONDS since it
    began, a person looks instead, told the wait's next step. Polls are not counted."""
    age = _age(waiting.since)
    deadline = _setting("PROVISIONING_PENDING_DEADLINE_SECONDS", 24 * 3600)
    if age > deadline:
        return _attention(order_id, NeedsAttention(
            f"{waiting} It has not finished {counted(round(age / 3600), 'hour')} after "
            f"{waiting.began}.",
            waiting.next_step))
    base = _setting("PROVISIONING_POLL_SECONDS", 5)
    delay = min(_setting("PROVISIONING_POLL_CAP_SECONDS", 900), base * max(1.0, age / 60))
    return _settle(order_id, "retry", str(waiting), delay, count=False)


def _age(since: datetime | None) -> float:
    """Seconds since `since` (0 when unknown)."""
    if since is None:
        return 0.0
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return max(0.0, (utcnow() - since).total_seconds())


def _retry(order_id: int, error: Exception) -> float | None:
    """Back off exponentially (or as Retry-After says); give up into attention at the cap."""
    db.session.rollback()
    job = db.session.scalar(select(ProvisioningJob).where(ProvisioningJob.order_id == order_id))
    attempts = job.attempts + 1
    if attempts >= _setting("PROVISIONING_MAX_ATTEMPTS", 8):
        return _attention(order_id, _give_up(error, attempts), count=True)
    base, cap = _setting("PROVISIONING_BACKOFF_SECONDS", 5), _setting(
        "PROVISIONING_BACKOFF_CAP_SECONDS", 600)
    ceiling = min(cap, base * 2 ** (attempts - 1))
    delay = ceiling / 2 + _jitter.uniform(0, ceiling / 2)
    if isinstance(error, Throttled) and error.retry_after:
        delay = max(delay, error.retry_after)
    return _settle(order_id, "retry", f"{type(error).__name__}: {error}", delay, count=True)


def _give_up(error: Exception, attempts: int) -> NeedsAttention:
    """Why retrying stopped, for the attention queue."""
    if isinstance(error, NotReady):
        return error.give_up(attempts)
    return NeedsAttention(f"Partner Center kept failing after {attempts} attempts: {error}",
                          "Check Partner Center's service health, " + ADMIN_RETRY)


def _attention(order_id: int, problem: NeedsAttention, count: bool = False) -> float | None:
    """Stop: the order needs a person, who reads why and what to do on the order pages."""
    db.session.rollback()
    order = db.session.get(Order, order_id)
    order.record(OrderStatus.NEEDS_ATTENTION, problem.reason, problem.next_step)
    results.notify_outcome(order)
    return _settle(order_id, "attention", problem.reason, None, count=count)


def _settle(order_id: int, state: str, note: str, delay: float | None,
            count: bool) -> float | None:
    """Release the lease and record the job's new state; returns the delay to reschedule."""
    job = db.session.scalar(select(ProvisioningJob).where(ProvisioningJob.order_id == order_id))
    job.state, job.locked_until, job.last_error = state, None, note[:2000]
    job.attempts += 1 if count else 0
    job.run_after = utcnow() + timedelta(seconds=delay or 0)
    db.session.commit()
    return delay


def due_jobs(now: datetime | None = None, grace_seconds: float = 60) -> list[int]:
    """Orders whose job is overdue by the grace period or whose worker's lease ran out."""
    now = now or utcnow()
    job = ProvisioningJob
    query = select(job.order_id).where(or_(
        and_(job.state.in_(("queued", "retry")),
             job.run_after <= now - timedelta(seconds=grace_seconds)),
        and_(job.state == "running", job.locked_until < now))).order_by(job.run_after)
    return list(db.session.scalars(query))


def reconcile(enqueue: Callable[[int], None], grace_seconds: float = 60) -> list[int]:
    """Hand every stuck job to the workers again (duplicates are harmless: jobs are claimed)."""
    order_ids = due_jobs(grace_seconds=grace_seconds)
    for order_id in order_ids:
        enqueue(order_id)
    return order_ids


# What an admin may retry: an order needing attention, or a partly provisioned one whose
# refused lines can be bought once the cause is fixed (an agreement, an availability).
RETRYABLE = (OrderStatus.NEEDS_ATTENTION, OrderStatus.PARTIALLY_PROVISIONED)


class NotRetryable(Exception):
    """Why an admin's retry of an order is refused; nothing was done."""


def refused_lines(order: Order) -> list[OrderLine]:
    """The lines Partner Center refused: failed with no order of theirs, so buying them
    again cannot buy anything twice. A line whose order ended keeps it and is not retried."""
    return [ln for ln in order.lines if ln.action != "add_licenses"
            and ln.status == "failed" and not ln.pc_order_id]


def check_retryable(order: Order) -> None:
    """Refuse a retry the order cannot take (NotRetryable says why and what to do)."""
    label = f"Order {order.number or order.id}"
    if order.status not in RETRYABLE:
        raise NotRetryable(
            f"{label} is {order.status.replace('_', ' ')}; only orders needing attention, "
            "or partly provisioned orders with lines Partner Center refused, can be retried.")
    if order.status == OrderStatus.PARTIALLY_PROVISIONED and not refused_lines(order):
        raise NotRetryable(
            f"{label} has no line Partner Center refused: each failed line has a Partner "
            "Center order, which a retry would not buy again; place a new order instead.")
    job = order.job
    if job is not None and job.state == CLOSED:
        raise NotRetryable(f"{label} was closed: its lines not provisioned are never sent "
                           "to Partner Center again; place a new order instead.")
    if job is not None and job.state == "running" and job.locked_until is not None \
            and as_utc(job.locked_until) > utcnow():
        raise NotRetryable(f"{label} is being provisioned right now; wait for it to finish.")


def check_standing(order: Order) -> None:
    """K9: refuse (NotRetryable) a retry while the order's reseller or direct customer is
    deactivated; the button stays, so the admin reads why and what to do."""
    refusal = standing.retry_refusal(order)
    if refusal is not None:
        raise NotRetryable(refusal)


def retryable(order: Order) -> bool:
    """Whether an admin may retry the order now (its page shows the button)."""
    try:
        check_retryable(order)
    except NotRetryable:
        return False
    return True


def requeue(order: Order, who: str, *, client: PartnerCenterClient, urls: FixUrls,
            today: date | None = None) -> None:
    """An admin's retry of an order needing attention, or of a partly provisioned order's
    refused lines: the job is due now, attempts reset, and lines Partner Center refused are
    bought again (`retry_refused_lines`) once the checkout rules allow it against what the
    customer holds now (orders.rebuy; NotRetryable names each problem and its code); bought
    lines and their subscriptions are left as they are; refused while the order's reseller
    or direct customer is deactivated (K9, check_standing). A second retry of the same order
    (a double click) finds it taken and raises NotRetryable: one conditional UPDATE
    decides, so the retry runs once."""
    check_retryable(order)
    check_standing(order)
    if refused_lines(order):
        remote = remote_facts(client, order.customer, utcnow())  # before the lock
        try:
            rebuy.check(order, refused_lines, remote, today or utcnow().date(), urls)
        except rebuy.RebuyRefused as refusal:
            raise NotRetryable(str(refusal)) from refusal
    refusal = _take_for_retry(order)
    if refusal:
        db.session.rollback()
        raise NotRetryable(refusal)
    retry_refused_lines(order)
    job = order.job or ProvisioningJob(order=order)
    job.state, job.attempts, job.locked_until, job.last_error = "queued", 0, None, ""
    job.run_after = job.queued_at = utcnow()
    db.session.add(job)
    order.record(OrderStatus.PROVISIONING, f"Retry requested by {who}.")
    db.session.commit()


def _take_for_retry(order: Order) -> str | None:
    """Move the order out of the retryable statuses unless a concurrent retry already did,
    and keep its job unless an admin closed it meanwhile; None when taken, else why not.
    The order row first, then the job's, as a close takes them (provisioning.closing): a
    close and a retry racing wait for each other instead of deadlocking, and the second
    sees what the first did."""
    label = f"order {order.number or order.id}"
    taken = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(RETRYABLE))
        .values(status=OrderStatus.PROVISIONING)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return f"A retry of {label} was requested just now; it runs once."
    job = ProvisioningJob
    kept = db.session.execute(
        update(job).where(job.order_id == order.id, job.state != CLOSED)
        .values(updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if kept == 1 or db.session.scalar(select(job.id).where(job.order_id == order.id)) is None:
        return None
    return (f"Order {order.number or order.id} was closed just now: nothing of it is sent "
            "to Partner Center again.")


def retry_refused_lines(order: Order) -> None:
    """Mark the lines Partner Center refused (failed, no order) to be bought again through
    a fresh cart. The stored cart is kept: lines of it whose outcome is in doubt (pending,
    their checkout answer lost) are read back first, and the marked lines are bought only
    once none is in doubt (purchase.buy), so nothing is bought twice; bought lines keep
    their orders and are never carted again. The caller commits."""
    for line in refused_lines(order):
        line.status, line.error_code, line.error_description = purchase.RETRYING, "", ""
