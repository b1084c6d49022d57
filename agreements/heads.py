"""Signed statements of the MCA ledger's head, kept in files outside the database (K5).

Why: the keyed chain stops someone who can write to the database but lacks the key. A head
statement written every day (and copied off the host with the backups) also catches a
deleted tail, and a rewrite by someone who holds the key or turns rows into legacy ones:
the ledger's row at the statement's position must still carry the hash the statement
signed, and that hash covers every row before it.

A statement is one JSON object: format, rows (how many), last_id, last_row_hash, at (UTC),
key_id, and signature: HMAC-SHA256, under the ledger key named by key_id, of
"mca-head:v1" and a newline followed by the other fields as canonical JSON (the prefix
keeps a head signature from ever passing as a row seal). A statement records what the
chain looked like; it does not vouch for the chain, so verify both (`flask mca verify
--head`). Every statement is kept: an older one still catches a rewrite made before a
newer one was signed.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from agreements.keys import LedgerKeys, UnknownKeyError
from agreements.mca import GENESIS, McaAcceptance
from persistence import as_utc, db

FORMAT = "mca-head:v1"
PATTERN = "mca-head-*.json"
HEX64 = re.compile(r"[0-9a-f]{64}")


class HeadError(ValueError):
    """A head statement that cannot be read, or is not authentic."""


@dataclass(frozen=True)
class Head:
    rows: int
    last_id: int | None
    last_row_hash: str
    at: str  # ISO 8601, UTC
    key_id: str

    def signed_text(self) -> str:
        return FORMAT + "\n" + json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True,
                                          separators=(",", ":"))


@dataclass(frozen=True)
class HeadCheck:
    """One statement compared with the ledger; head is None when the file is not authentic."""

    path: Path
    head: Head | None
    problems: tuple[str, ...]


def current(keys: LedgerKeys, now: datetime) -> Head:
    """The ledger's head now: the newest row and how many rows lead up to it."""
    last = db.session.execute(select(McaAcceptance.id, McaAcceptance.row_hash)
                              .order_by(McaAcceptance.id.desc()).limit(1)).first()
    if last is None:
        return Head(0, None, GENESIS, _iso(now), keys.current_id)
    # Counted up to that row, so a row appended meanwhile cannot make the two disagree.
    rows = db.session.scalar(select(func.count()).where(McaAcceptance.id <= last.id))
    return Head(rows, last.id, last.row_hash, _iso(now), keys.current_id)


def export(directory: Path, keys: LedgerKeys, now: datetime) -> Path:
    """Sign the current head and write it as a new 0600 file in `directory`."""
    head = current(keys, now)
    statement = {"format": FORMAT, **asdict(head),
                 "signature": keys.seal(head.signed_text(), head.key_id)}
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"mca-head-{as_utc(now).astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"
    temporary = directory / f".{path.name}.tmp"
    # Created 0600 from the start, and renamed into place so no reader sees half a file.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(statement, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)
    return path


def read(path: Path, keys: LedgerKeys) -> Head:
    """The statement in `path`, once its format and signature check out."""
    data = _load(path)
    try:
        head = Head(rows=data["rows"], last_id=data["last_id"],
                    last_row_hash=data["last_row_hash"], at=data["at"], key_id=data["key_id"])
    except KeyError as missing:
        raise HeadError(f"{path}: not a complete head statement (no {missing})") from None
    signature = data.get("signature")
    if not _well_formed(head) or not isinstance(signature, str) or not HEX64.fullmatch(signature):
        raise HeadError(f"{path}: the statement's fields are malformed (altered?)")
    try:
        authentic = keys.matches(head.signed_text(), head.key_id, signature)
    except UnknownKeyError:
        raise HeadError(f"{path}: signed with key id {head.key_id!r}, which is not "
                        "configured; add that key to MCA_LEDGER_OLD_KEYS") from None
    if not authentic:
        raise HeadError(f"{path}: the signature does not match: the statement was altered "
                        "or signed with another key")
    return head


def check(path: Path, keys: LedgerKeys) -> HeadCheck:
    """Read one statement and compare the ledger with it."""
    try:
        head = read(path, keys)
    except HeadError as error:
        return HeadCheck(path, None, (str(error),))
    return HeadCheck(path, head, tuple(_differences(head)))


def statements(path: Path) -> list[Path]:
    """The statement files at `path`: the file itself, or every one in a directory, oldest
    first."""
    return sorted(path.glob(PATTERN)) if path.is_dir() else [path]


def latest(directory: Path) -> Path | None:
    """The newest statement in the directory, if any was written."""
    found = statements(directory) if directory.is_dir() else []
    return found[-1] if found else None


def _differences(head: Head) -> list[str]:
    if head.rows == 0:
        return []
    row = db.session.execute(select(McaAcceptance.id, McaAcceptance.row_hash)
                             .order_by(McaAcceptance.id).offset(head.rows - 1).limit(1)).first()
    if row is None:
        count = db.session.scalar(select(func.count()).select_from(McaAcceptance))
        return [f"the ledger holds {count} rows but the head signed at {head.at} counted "
                f"{head.rows}: rows were removed"]
    if row.id != head.last_id or not hmac.compare_digest(row.row_hash, head.last_row_hash):
        return [f"row {head.rows} of the ledger (id {row.id}) is not the row the head signed "
                f"at {head.at} (id {head.last_id}): history was rewritten"]
    return []


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HeadError(f"{path}: cannot be read ({error.strerror})") from None
    except ValueError:
        raise HeadError(f"{path}: not a head statement (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise HeadError(f"{path}: not an MCA head statement (format {FORMAT})")
    return data


def _well_formed(head: Head) -> bool:
    def whole(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    return (whole(head.rows) and (head.last_id is None or whole(head.last_id))
            and isinstance(head.last_row_hash, str) and bool(HEX64.fullmatch(head.last_row_hash))
            and isinstance(head.at, str) and isinstance(head.key_id, str))


def _iso(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
