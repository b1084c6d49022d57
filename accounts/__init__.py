"""Accounts: users and roles, lite resellers, end customers, their qualifications and API
tokens, and the scoping queries that say who may see what."""
