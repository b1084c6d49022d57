"""Checkout: the facts, the rules that judge them, and the order service."""
