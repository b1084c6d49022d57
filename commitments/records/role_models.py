"""Departments and administrators of an enrollment (O7, seed 000 "Onboarding Experiences").

Kept apart from models.py so the roles read together; models.py imports this module, so
every table exists wherever the enrollment tables do.
"""

from __future__ import annotations

from persistence import db, utcnow


class EnrollmentDepartment(db.Model):
    """A department of the enrollment: its Department Administrators manage its accounts."""

    __tablename__ = "enrollment_departments"
    __table_args__ = (db.UniqueConstraint("enrollment_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    name = db.Column(db.String(120), nullable=False)

    enrollment = db.relationship("Enrollment", backref=db.backref(
        "departments", cascade="all, delete-orphan", order_by="EnrollmentDepartment.name"))


class EnrollmentAdministrator(db.Model):
    """One role held by one Org ID: enterprise-wide, or scoped to a department, an account
    (Account Owners added as co-admins) or one subscription (Service Administrators)."""

    __tablename__ = "enrollment_administrators"

    id = db.Column(db.Integer, primary_key=True)
    enrollment_id = db.Column(db.Integer, db.ForeignKey("enrollments.id"), nullable=False,
                              index=True)
    role = db.Column(db.String(30), nullable=False)
    org_id = db.Column(db.String(254), nullable=False)
    primary = db.Column(db.Boolean, nullable=False, default=False)
    department_id = db.Column(db.Integer, db.ForeignKey("enrollment_departments.id"))
    account_id = db.Column(db.Integer, db.ForeignKey("enrollment_accounts.id"))
    subscription_id = db.Column(db.String(64))
    # For a co-admin, the Account Owner's Org ID that added it (seed: owners add co-admins).
    added_by = db.Column(db.String(254))
    added_by_user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    added_on = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    enrollment = db.relationship("Enrollment", backref=db.backref(
        "administrators", cascade="all, delete-orphan",
        order_by="[EnrollmentAdministrator.primary.desc(), EnrollmentAdministrator.id]"))
    department = db.relationship("EnrollmentDepartment")
    account = db.relationship("EnrollmentAccount")
