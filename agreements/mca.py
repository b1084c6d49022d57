"""The MCA ledger (K5): append-only, each row chained to the previous one by a hash.

A direct customer accepts the Microsoft Customer Agreement; a lite reseller confirms that
its customer accepted it. Rows are never updated or deleted (the ORM refuses, and database
triggers refuse raw SQL too); the Partner Center attestation result is a separate
append-only row.

Each row is sealed with HMAC-SHA256 under a key from the environment (agreements/keys.py),
so someone who can write to the database but lacks the key cannot rewrite a row and
recompute the chain; `verify_chain()` recomputes every seal. Rows written before the key
existed keep their unkeyed SHA-256 (hash_scheme "sha256") rather than being re-sealed: a
re-seal would have to UPDATE an append-only ledger and would vouch for contents the key
never saw. Such legacy rows may only be the oldest MCA_LEDGER_LEGACY_ROWS rows, and the
first keyed row after them seals their hash too. Signed head statements kept outside the
database (agreements/heads.py) catch a rewrite by someone holding the key, or a cut tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agreements.keys import LedgerKeys, UnknownKeyError, from_config
from config.credentials import ledger_legacy_rows
from exports.spreadsheet import csv_lines
from persistence import db, utcnow
from persistence.append_only import append_only
from refusals import Refused

RULE = "K5"
GENESIS = "0" * 64
HASHED_FIELDS = ("customer_id", "reseller_id", "recorded_by_id", "acting_as",
                 "signer_first_name", "signer_last_name", "signer_email", "signer_phone",
                 "template_id", "agreement_version", "date_agreed", "recorded_at", "ip",
                 "user_agent")
LEGACY_SCHEME = "sha256"  # unkeyed: rows written before the ledger was keyed (migration 0018)
KEYED_SCHEME = "hmac-sha256"


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
    # How row_hash was made, and with which key (its id, never the key itself).
    hash_scheme = db.Column(db.String(20), nullable=False, server_default=LEGACY_SCHEME)
    hash_key_id = db.Column(db.String(40), nullable=False, server_default="")

    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    recorded_by = db.relationship("User")
    attestations = db.relationship("McaAttestation", back_populates="acceptance",
                                   order_by="McaAttestation.id")

    def sealed_text(self) -> str:
        """What the seal covers: the previous hash, the fields and (keyed) the key's id."""
        payload = {name: _canonical(getattr(self, name)) for name in HASHED_FIELDS}
        if self.hash_scheme != LEGACY_SCHEME:
            payload |= {"hash_scheme": self.hash_scheme, "hash_key_id": self.hash_key_id}
        return self.prev_hash + json.dumps(payload, sort_keys=True, separators=(",", ":"))

    def compute_hash(self, keys: LedgerKeys) -> str:
        """The row's seal: HMAC-SHA256 under its key, or plain SHA-256 for a legacy row."""
        if self.hash_scheme == LEGACY_SCHEME:
            return hashlib.sha256(self.sealed_text().encode()).hexdigest()
        return keys.seal(self.sealed_text(), self.hash_key_id)

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


append_only(
    (McaAcceptance, McaAttestation),
    refuse=lambda row: AppendOnlyError(
        f"{type(row).__name__} rows are append-only ({RULE} ledger)"),
    message="append-only ledger", function="refuse_ledger_change", trigger_suffix="append_only")


# The latest calendar day anywhere on Earth is UTC+14's (Kiribati): an acceptance dated
# after it has not happened yet, and the ledger cannot take a date back once written.
LATEST_ZONE = timedelta(hours=14)


def date_agreed_problem(day: date, now: datetime) -> str | None:
    """Why `day` cannot be the date a customer accepted the MCA (K5), or None."""
    if day > (now.astimezone(UTC) + LATEST_ZONE).date():
        return (f"{day.isoformat()} has not come yet: enter the day the customer accepted "
                f"the Microsoft Customer Agreement (today or earlier; {RULE}).")
    return None


@dataclass(frozen=True)
class DateProblem:
    rule: str
    code: str
    message: str
    field: str = "date_agreed"


class FutureAcceptance(Refused):
    """An acceptance dated after today (date_agreed_problem): 422 with its code."""

    summary = "The acceptance cannot be recorded; fix the date and try again."


@dataclass(frozen=True)
class Signer:
    first_name: str
    last_name: str
    email: str
    phone: str = ""


def record_acceptance(*, customer, user, signer: Signer, template_id: str, version: str,
                      date_agreed: date, ip: str = "", user_agent: str = "",
                      keys: LedgerKeys | None = None) -> McaAcceptance:
    """Append one acceptance (direct customer) or confirmation (reseller); commits once.

    Sealed with `keys`, by default the app's (MCA_LEDGER_KEY). Callers check the date
    first (date_agreed_problem) to name the field; this refuses it all the same."""
    if problem := date_agreed_problem(date_agreed, utcnow()):
        raise FutureAcceptance([DateProblem(RULE, f"{RULE}.date_agreed_in_future", problem)])
    keys = keys or from_config(current_app.config)
    for _attempt in range(3):
        row = _new_row(customer, user, signer, template_id, version, date_agreed, ip,
                       user_agent, keys)
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:  # another writer took the same predecessor; chain after it
            db.session.rollback()
    raise RuntimeError("could not append to the MCA ledger after 3 attempts")


def _new_row(customer, user, signer, template_id, version, date_agreed, ip, user_agent,
             keys):
    last = db.session.scalar(select(McaAcceptance.row_hash).order_by(McaAcceptance.id.desc())
                             .limit(1))
    row = McaAcceptance(
        customer_id=customer.id, reseller_id=customer.reseller_id, recorded_by_id=user.id,
        acting_as=user.role, signer_first_name=signer.first_name.strip(),
        signer_last_name=signer.last_name.strip(), signer_email=signer.email.strip().lower(),
        signer_phone=signer.phone.strip(), template_id=template_id, agreement_version=version,
        date_agreed=date_agreed, recorded_at=utcnow(), ip=ip[:45], user_agent=user_agent[:300],
        prev_hash=last or GENESIS, hash_scheme=KEYED_SCHEME, hash_key_id=keys.current_id)
    row.row_hash = row.compute_hash(keys)
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


@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found. Any problem fails the ledger; legacy rows are reported so
    nobody mistakes their unkeyed hash for proof (see the module docstring)."""

    rows: int
    legacy_rows: int
    problems: tuple[str, ...]

    @property
    def legacy_anchored(self) -> bool:
        """Whether a keyed row follows the legacy rows, sealing their hashes as well."""
        return self.rows > self.legacy_rows

    @property
    def legacy_note(self) -> str:
        """What the unkeyed rows written before migration 0018 prove, said plainly."""
        anchor = ("a keyed row after them seals their hashes" if self.legacy_anchored else
                  "no keyed row follows them yet, so only a signed head protects them")
        return (f"The oldest {self.legacy_rows} rows were sealed with unkeyed SHA-256 before "
                "the log was keyed: anyone with database access could have rewritten them "
                f"until then; {anchor}.")


def verify_chain(keys: LedgerKeys, legacy_allowed: int = 0) -> ChainReport:
    """Recompute every link and seal in order; `legacy_allowed` oldest rows may be unkeyed."""
    problems, expected_prev, rows, legacy = [], GENESIS, 0, 0
    query = select(McaAcceptance).order_by(McaAcceptance.id).execution_options(yield_per=500)
    for row in db.session.scalars(query):
        if row.prev_hash != expected_prev:
            problems.append(f"row {row.id}: does not follow the previous row")
        if row.hash_scheme == LEGACY_SCHEME and (legacy < rows or rows >= legacy_allowed):
            problems.append(_unexpected_legacy(row, legacy < rows, legacy_allowed))
        else:
            problems.extend(_seal_problems(row, keys))
        legacy += row.hash_scheme == LEGACY_SCHEME
        rows, expected_prev = rows + 1, row.row_hash
    return ChainReport(rows, legacy, tuple(problems))


def verify_configured(config) -> ChainReport:
    """verify_chain with the keys and the legacy allowance the app's settings name."""
    return verify_chain(from_config(config), ledger_legacy_rows(config))


def _unexpected_legacy(row: McaAcceptance, after_keyed: bool, allowed: int) -> str:
    """An unkeyed row where only a keyed one can be: the chain was rewritten without the key."""
    if after_keyed:
        return f"row {row.id}: sealed without the key after keyed rows (rewritten)"
    return (f"row {row.id}: sealed without the key, but MCA_LEDGER_LEGACY_ROWS={allowed} "
            "vouches only for that many oldest rows written before the ledger was keyed")


def _seal_problems(row: McaAcceptance, keys: LedgerKeys) -> list[str]:
    if row.hash_scheme not in (LEGACY_SCHEME, KEYED_SCHEME):
        return [f"row {row.id}: unknown seal {row.hash_scheme!r}"]
    try:
        intact = hmac.compare_digest(row.compute_hash(keys), row.row_hash)
    except UnknownKeyError:
        return [f"row {row.id}: sealed with key id {row.hash_key_id!r}, which is not "
                "configured; add that key to MCA_LEDGER_OLD_KEYS"]
    return [] if intact else [f"row {row.id}: contents changed after it was written"]


CSV_COLUMNS = ("id", "recorded_at", "customer", "reseller", "recorded_by", "acting_as",
               "signer_first_name", "signer_last_name", "signer_email", "template_id",
               "agreement_version", "date_agreed", "ip", "attestation", "row_hash")


def export_csv(rows: Iterable[McaAcceptance]) -> Iterator[str]:
    """The given ledger rows as CSV lines for auditors (formula cells neutralised)."""
    return csv_lines(CSV_COLUMNS, ((
        r.id, _canonical(r.recorded_at), r.customer.company_name,
        r.reseller.company_name if r.reseller else "", r.recorded_by.email, r.acting_as,
        r.signer_first_name, r.signer_last_name, r.signer_email, r.template_id,
        r.agreement_version, r.date_agreed.isoformat(), r.ip, r.attestation_status,
        r.row_hash) for r in rows))
