"""Indirect OSPA enrollments in the product: tables, services, the daily job and pages.

The rules (O1-O9) live in the pure commitments/ package; this package stores facts, maps them
to the domain, and turns the domain's answers into rows, notifications and pages.
"""
