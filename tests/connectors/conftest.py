"""Partner Center fixtures: a fresh sandbox and the real client routed to it."""

from connectors.partner_center.sandbox.fixtures import (  # noqa: F401
    pc_client,
    pc_responses,
    pc_sandbox,
    pc_sleeps,
)
