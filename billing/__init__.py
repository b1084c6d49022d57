"""Billing (B1–B6): the charge ledger, billing runs, invoices and credit notes, tax."""
