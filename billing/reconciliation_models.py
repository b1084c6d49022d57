"""The records of B6: one reconciliation run per request, and what it found.

A run compares one billing month of our charges with Microsoft's invoice(s) for the month
and keeps only the lines that do not agree: a Microsoft line we have no charge for, a
charge of ours Microsoft did not bill, or both present but different; and, matched, a
cycle whose charge a late-seen change caught up, which our invoice shows as more lines
than Microsoft's one, and a late-seen change billed here in a later month than Microsoft
billed it, in both months (billing.late_billed). Runs are kept (a re-run is a new run),
so the admin page can show when a difference appeared or went away.
A run the admin's page starts waits for Microsoft's exports in a worker
(billing.reconciliation_exports): until they are ready it is `exporting`, and it keeps
each export's operation so that every later step polls the same one.
"""

from __future__ import annotations

from persistence import Money, db, utcnow


class ItemKind:
    """What kind of disagreement an item is."""

    UNMATCHED_MICROSOFT = "unmatched_microsoft"  # Microsoft billed it; we charged nothing
    UNMATCHED_OURS = "unmatched_ours"  # we charged it; Microsoft did not bill it
    DIFFERENT = "different"  # both billed it, with another quantity, amount or period
    # No disagreement: a cycle charge and the catch-up of a change the sync saw late match
    # Microsoft's one line (billing.catch_ups); listed so the page says why they match.
    MATCHED_LATE_SEEN = "matched_late_seen"
    # No disagreement either (billing.late_billed): charges a later month billed here for a
    # change the sync saw late match this month's lines of Microsoft ...
    MATCHED_BILLED_LATER = "matched_billed_later"
    # ... and, in that later month, those charges, which the earlier month compares.
    RECONCILED_EARLIER = "reconciled_earlier"

    ALL = (UNMATCHED_MICROSOFT, UNMATCHED_OURS, DIFFERENT)  # the disagreements, each counted
    LISTED = (MATCHED_LATE_SEEN, MATCHED_BILLED_LATER, RECONCILED_EARLIER)  # agreeing rows


class RunState:
    """How a run ended."""

    MATCHED = "matched"  # every line agrees
    DISCREPANCIES = "discrepancies"
    FAILED = "failed"  # Microsoft's data could not be read (the message says why)
    EXPORTING = "exporting"  # waiting for Microsoft's exports (a worker polls them)

    FINAL = (MATCHED, DISCREPANCIES, FAILED)


class ReconciliationRun(db.Model):
    """One comparison of a billing month with Microsoft's invoices for it."""

    __tablename__ = "reconciliation_runs"

    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.String(7), nullable=False, index=True)  # "YYYY-MM"
    invoice_ids = db.Column(db.String(200), nullable=False, default="")  # Microsoft's
    state = db.Column(db.String(15), nullable=False)
    message = db.Column(db.Text, nullable=False, default="")
    microsoft_lines = db.Column(db.Integer, nullable=False, default=0)
    our_charges = db.Column(db.Integer, nullable=False, default=0)
    matched = db.Column(db.Integer, nullable=False, default=0)  # groups that agree
    unmatched_microsoft = db.Column(db.Integer, nullable=False, default=0)
    unmatched_ours = db.Column(db.Integer, nullable=False, default=0)
    different = db.Column(db.Integer, nullable=False, default=0)
    started_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    # While exporting: one {"invoice", "location", "manifest"} per invoice of the month, the
    # operation's URL stored as soon as Microsoft answers the export (a later step polls it
    # again, never asking anew), the manifest's once the operation has succeeded.
    exports = db.Column(db.JSON, nullable=False, default=list)
    phase = db.Column(db.String(300), nullable=False, default="")  # what the page says
    polls = db.Column(db.Integer, nullable=False, default=0)
    # Not polled before (Microsoft's Retry-After); a step holds the run until then.
    next_poll_at = db.Column(db.DateTime(timezone=True))
    nudged_at = db.Column(db.DateTime(timezone=True))  # a page last handed it to a worker

    started_by = db.relationship("User")
    items = db.relationship("ReconciliationItem", back_populates="run",
                            order_by="ReconciliationItem.id")

    @property
    def discrepancies(self) -> int:
        return self.unmatched_microsoft + self.unmatched_ours + self.different

    @property
    def final(self) -> bool:
        return self.state in RunState.FINAL


class ReconciliationItem(db.Model):
    """One disagreement: a subscription's charges of one type and period, ours against
    Microsoft's. `amount_ours` is what Microsoft should have billed for our charges (our
    cost, see billing.matching), in Microsoft's billing currency."""

    __tablename__ = "reconciliation_items"

    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("reconciliation_runs.id"), nullable=False,
                       index=True)
    kind = db.Column(db.String(20), nullable=False)
    pc_subscription_id = db.Column(db.String(60), nullable=False, default="")
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"))
    customer_name = db.Column(db.String(200), nullable=False, default="")
    product = db.Column(db.String(300), nullable=False, default="")
    charge_type = db.Column(db.String(30), nullable=False)
    period_start = db.Column(db.Date)
    period_end = db.Column(db.Date)
    quantity_ours = db.Column(Money())
    quantity_microsoft = db.Column(Money())
    amount_ours = db.Column(Money())
    amount_microsoft = db.Column(Money())
    currency = db.Column(db.String(3), nullable=False, default="")
    invoice_id = db.Column(db.String(30), nullable=False, default="")
    note = db.Column(db.String(300), nullable=False, default="")

    run = db.relationship("ReconciliationRun", back_populates="items")
    subscription = db.relationship("Subscription")
