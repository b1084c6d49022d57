"""Offers, SKUs, prices, billing cycles, annual-billing settings and price-list imports."""
