"""Settings and admin-editable seed data for csp-storefront."""
