"""Carts, orders and placement: the facts are gathered, every checkout rule runs, and the
order is written with its provisioning job in one transaction (lock → re-read → validate →
commit once)."""
