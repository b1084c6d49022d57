"""Two checkouts racing on PostgreSQL place one order; the other is refused with K6."""

from tests.checkout.test_place_order import (  # noqa: F401 - collected here on PostgreSQL
    test_two_racing_checkouts_never_make_two_monthly_business_subscriptions_k6,
)
