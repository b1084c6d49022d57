"""Provider-admin pages: resellers, their users, every customer, the MCA ledger, the
country lists and the Partner Center import; each concept's routes in its own module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The route modules register on bp as they are imported, so they come after it.
from storefront.admin import (  # noqa: E402
    country_list_views,
    customers,
    mca_ledger,
    partner_center_import,
    resellers,
)

__all__ = ["bp", "country_list_views", "customers", "mca_ledger", "partner_center_import",
           "resellers"]
