"""The MCA ledger (K5): append-only, each row chained to the previous one by a hash.

A direct customer accepts the Microsoft Customer Agreement; a lite reseller confirms that
its customer accepted it. Rows are never updated or deleted (the ORM refuses, and database
triggers refuse raw SQL too); the Partner Center attestation result is a separate
append-only row. `verify_chain()` recomputes every hash so tampering is detectable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import DDL, event, select
from sqlalchemy.exc import IntegrityError

from persistence import db, utcnow

RULE = "K5"
GENESIS = "0" * 64
HASHED_FIELDS = ("customer_id", "reseller_id", "recorded_by_id", "acting_as",
                 "signer_first_name", "signer_last_name", "signer_email", "signer_phone",
                 "template_id", "agreement_version", "date_agreed", "recorded_at", "ip",
                 "user_agent")



class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove a ledger row."""


class McaAcceptance(db.Model):
    __tablename__ = "mca_acceptances"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    acting_as = db.Column(db.String(20), nullable=False)  # the recording user's role
    signer_first_name = db.Column(db.String(50), nullable=False)
    signer_last_name = db.Column(db.String(50), nullable=False)
    signer_email = db.Column(db.String(254), nullable=False)
    signer_phone = db.Column(db.String(40), nullable=False, default="")
    template_id = db.Column(db.String(60), nullable=False)
    agreement_version = db.Column(db.String(60), nullable=False)
    date_agreed = db.Column(db.Date, nullable=False)
    recorded_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    ip = db.Column(db.String(45), nullable=False, default="")
    user_agent = db.Column(db.String(300), nullable=False, default="")
    # A hash can be the predecessor of one row only: two racing writers cannot fork.
    prev_hash = db.Column(db.String(64), nullable=False, unique=True)
    row_hash = db.Column(db.String(64), nullable=False, unique=True)

    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    recorded_by = db.relationship("User")
    attestations = db.relationship("McaAttestation", back_populates="acceptance",
                                   order_by="McaAttestation.id")

    def compute_hash(self) -> str:
        payload = {name: _canonical(getattr(self, name)) for name in HASHED_FIELDS}
        text = self.prev_hash + json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def attestation_status(self) -> str:
        return self.attestations[-1].status if self.attestations else "pending"


class McaAttestation(db.Model):
    """Partner Center's answer to attesting one acceptance; also append-only."""

    __tablename__ = "mca_attestations"

    id = db.Column(db.Integer, primary_key=True)
    acceptance_id = db.Column(db.Integer, db.ForeignKey("mca_acceptances.id"), nullable=False,
                              index=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    status = db.Column(db.String(20), nullable=False)  # attested | already_attested | failed
    detail = db.Column(db.Text, nullable=False, default="")

    acceptance = db.relationship("McaAcceptance", back_populates="attestations")


def _canonical(value) -> str | int | None:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _refuse(mapper, connection, target) -> None:
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only ({RULE} ledger)")


for model in (McaAcceptance, McaAttestation):
    event.listen(model, "before_update", _refuse)
    event.listen(model, "before_delete", _refuse)
    for action in ("UPDATE", "DELETE"):
        name = f"{model.__tablename__}_no_{action.lower()}"
        event.listen(model.__table__, "after_create", DDL(
            f"CREATE TRIGGER {name} BEFORE {action} ON {model.__tablename__} "
            "BEGIN SELECT RAISE(ABORT, 'append-only ledger'); END").execute_if(dialect="sqlite"))
    event.listen(model.__table__, "after_create", DDL(
        f"CREATE TRIGGER {model.__tablename__}_append_only BEFORE UPDATE OR DELETE ON "
        f"{model.__tablename__} FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change()"
    ).execute_if(dialect="postgresql"))

event.listen(db.metadata, "before_create", DDL(
    "CREATE OR REPLACE FUNCTION refuse_ledger_change() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'append-only ledger'; END $$ LANGUAGE plpgsql"
).execute_if(dialect="postgresql"))


@dataclass(frozen=True)
class Signer:
    first_name: str
    last_name: str
    email: str
    phone: str = ""


def record_acceptance(*, customer, user, signer: Signer, template_id: str, version: str,
                      date_agreed: date, ip: str = "", user_agent: str = "") -> McaAcceptance:
    """Append one acceptance (direct customer) or confirmation (reseller); commits once."""
    for _attempt in range(3):
        row = _new_row(customer, user, signer, template_id, version, date_agreed, ip,
                       user_agent)
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:  # another writer took the same predecessor; chain after it
            db.session.rollback()
    raise RuntimeError("could not append to the MCA ledger after 3 attempts")


def _new_row(customer, user, signer, template_id, version, date_agreed, ip, user_agent):
    last = db.session.scalar(select(McaAcceptance.row_hash).order_by(McaAcceptance.id.desc())
                             .limit(1))
    row = McaAcceptance(
        customer_id=customer.id, reseller_id=customer.reseller_id, recorded_by_id=user.id,
        acting_as=user.role, signer_first_name=signer.first_name.strip(),
        signer_last_name=signer.last_name.strip(), signer_email=signer.email.strip().lower(),
        signer_phone=signer.phone.strip(), template_id=template_id, agreement_version=version,
        date_agreed=date_agreed, recorded_at=utcnow(), ip=ip[:45], user_agent=user_agent[:300],
        prev_hash=last or GENESIS)
    row.row_hash = row.compute_hash()
    return row


def latest_for(customer_id: int, reseller_id: int | None = None) -> McaAcceptance | None:
    """The customer's latest acceptance, or (for a reseller) that reseller's confirmation."""
    return db.session.scalar(latest_query(customer_id, reseller_id))


def latest_query(customer_id: int, reseller_id: int | None = None):
    """The select() behind latest_for, for callers that want only some of its columns."""
    query = select(McaAcceptance).where(McaAcceptance.customer_id == customer_id)
    if reseller_id is not None:
        query = query.where(McaAcceptance.reseller_id == reseller_id,
                            McaAcceptance.acting_as == "reseller_user")
    return query.order_by(McaAcceptance.id.desc()).limit(1)


def verify_chain() -> list[str]:
    """Every broken link of the ledger, in order; an empty list means it is intact."""
    problems, expected_prev = [], GENESIS
    for row in db.session.scalars(select(McaAcceptance).order_by(McaAcceptance.id)):
        if row.prev_hash != expected_prev:
            problems.append(f"row {row.id}: does not follow the previous row")
        if row.compute_hash() != row.row_hash:
            problems.append(f"row {row.id}: contents changed after it was written")
        expected_prev = row.row_hash
    return problems


CSV_COLUMNS = ("id", "recorded_at", "customer", "reseller", "recorded_by", "acting_as",
               "signer_first_name", "signer_last_name", "signer_email", "template_id",
               "agreement_version", "date_agreed", "ip", "attestation", "row_hash")


def export_csv(rows) -> str:
    """The given ledger rows as CSV for auditors."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.id, _canonical(r.recorded_at), r.customer.company_name,
                         r.reseller.company_name if r.reseller else "", r.recorded_by.email,
                         r.acting_as, r.signer_first_name, r.signer_last_name, r.signer_email,
                         r.template_id, r.agreement_version, r.date_agreed.isoformat(), r.ip,
                         r.attestation_status, r.row_hash])
    return buffer.getvalue()
