"""Single-use secrets of accounts used by two requests at the same moment, on both
databases (on SQLite, whose driver opens a transaction only at a write, too): a TOTP code
within its step (ASVS 2.8.4), a set of recovery codes replaced (ASVS 2.6.1) and a tenant
sign-in's state (K11) each work once.

Emailed links (reset, invitation, email change), sign-up links and recovery codes used
are spent by conditional UPDATEs (accounts.links.claim, sign_up._claim,
mfa._spend_recovery_code) and need no race test here."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import select

from accounts import mfa, tenant_proof
from accounts.models import Role, User
from accounts.services import new_user
from notifications import email
from persistence import db
from tests.conftest import make_customer
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", BACKENDS)
def test_asvs_2_8_4_one_totp_code_brought_twice_at_once_signs_in_once(backend, tmp_path):
    """A code seen over a shoulder, typed while its owner types it: both requests read the
    last step used before either wrote it, and both signed in."""
    with app_on(backend, tmp_path) as app:
        cipher, secret = MultiFernet([Fernet(Fernet.generate_key())]), mfa.new_secret()
        user = new_user("root@provider.example", "pw-never-used-here", Role.PROVIDER_ADMIN)
        user.totp_secret = cipher.encrypt(secret.encode()).decode()
        user.mfa_enabled_at = NOW
        db.session.add(user)
        db.session.commit()
        user_id, later = user.id, NOW + timedelta(minutes=5)
        code = pyotp.TOTP(secret).at(later)

        def verify():
            return mfa.verify(db.session.get(User, user_id), code, later, cipher)

        waited, outcomes = race({"A": app, "B": app}, "users", verify, prefix="UPDATE")
        assert waited and outcomes["A"] == "totp"
        assert isinstance(outcomes["B"], mfa.WrongCode)
        assert db.session.scalar(select(User.totp_last_step)) == \
            int(later.timestamp()) // mfa.STEP_SECONDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_asvs_2_6_1_new_recovery_codes_asked_twice_at_once_leave_one_set_working(
        backend, tmp_path):
    """Recovery codes (look-up secrets) are replaced by new ones: asked for twice at once (a
    double submit), only the set shown last works. On PostgreSQL the second request's
    delete did not see the first one's new codes, so twenty worked, ten of them shown on
    a page nobody kept (SQLite's write lock serialised the two already)."""
    with app_on(backend, tmp_path) as app:
        user = new_user("root@provider.example", "pw-never-used-here", Role.PROVIDER_ADMIN)
        user.mfa_enabled_at = NOW
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        mfa.regenerate_codes(user, NOW, email)

        def regenerate():
            return mfa.regenerate_codes(db.session.get(User, user_id), NOW, email)

        waited, outcomes = race({"A": app, "B": app}, "mfa_recovery_codes", regenerate)
        assert waited and len(outcomes["A"]) == len(outcomes["B"]) == mfa.RECOVERY_CODES
        kept = set(db.session.scalars(select(mfa.RecoveryCode.code_hash)))
        assert kept == {hashlib.sha256(code.encode()).hexdigest() for code in outcomes["B"]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_k11_a_tenant_sign_in_answer_posted_twice_at_once_is_taken_once(backend, tmp_path):
    """The state of a tenant sign-in (K11) works once: Entra's answer replayed at the same
    moment is refused, as a later replay is. Both used to read the state unused."""
    with app_on(backend, tmp_path) as app:
        customer = make_customer(None, "Direct Ltd")
        user = new_user("d@direct.example", "pw-never-used-here", Role.CUSTOMER_USER,
                        customer=customer)
        db.session.add_all([customer, user])
        db.session.commit()
        tenant_proof.start_tenant_sign_in(customer, user, "state-1", "{}")

        def claim():
            row = tenant_proof.claim_tenant_sign_in("state-1", datetime.now(UTC))
            return row and row.id

        waited, outcomes = race({"A": app, "B": app}, "tenant_sign_ins", claim,
                                prefix="UPDATE")
        assert waited and outcomes["A"] is not None and outcomes["B"] is None
