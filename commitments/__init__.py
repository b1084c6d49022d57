"""Indirect OSPA enterprise commitments (rules O1-O9, seed 000): the pure domain.

No Flask, no database, no clock: every function takes `today` and returns values or raises
commitments.problems.CommitmentRefused. The daily job calls commitments.due.due_notices.
"""
