"""Delegated admin for customer tenants (K4): the provider's GDAP relationships.

Microsoft replaced DAP with granular delegated admin privileges (GDAP) on Microsoft Graph:
a relationship per customer tenant, with roles, a duration, an approval by the customer's
admin, an expiry and optional auto-extension. This package keeps the local record of each
customer's relationship, requests one with the roles the provider configures, follows its
status, gives the provider's security groups their access once it is active, and warns
before it expires. Checkout's K4 reads what it knows.
"""
