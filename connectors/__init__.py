"""Connectors to external systems (Partner Center)."""
