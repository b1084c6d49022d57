"""Indirect OSPA enterprise commitments (rules O1-O9, seed 000).

The modules of this package (enrollment, orders, balance, schedule, notices, due, …) are
the pure domain: no Flask, no database, no clock; every function takes `today` and returns
values or raises commitments.problems.CommitmentRefused. The stored side (tables, services
that commit once, the daily job and its task) is the `records` subpackage, which calls the
domain and is never called by it.
"""
