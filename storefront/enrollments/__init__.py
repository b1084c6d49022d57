"""The OSPA enrollment pages: forms, views, actions and the burn-down chart. The models,
services and daily job they call live in commitments/."""
