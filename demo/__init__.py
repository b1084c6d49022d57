"""Demo data for `make run`: logins, resellers, customers, a catalog and an OSPA enrollment,
loaded idempotently by `flask demo load`."""
