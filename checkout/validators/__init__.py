"""Pure validators for customer data (tax ids, postal codes, address requirements)."""
