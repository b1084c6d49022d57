"""Microsoft Graph's GDAP endpoints in the sandbox (partner-center-api-2.md section 1).

Same `Sandbox` as Partner Center (state in data["gdap"]), Graph's conventions: tokens of
the Graph audience only (`sandbox-graph:<partner tenant>`), client-request-id echoed beside
a request-id, errors as {"error": {code, message, innerError}}, collections as
{"value": [...], "@odata.nextLink"} with $top <= 300, and no idempotency key (displayName
is unique per partner instead). Status follows the sandbox clock: `active` becomes
`expired` at endDateTime unless autoExtendDuration is P180D (the end then moves out 180
days at a time); a lock left unapproved for 90 days expires. The customer's side (approve,
expire, terminate) is driven through /_sandbox/gdap controls.

Modules: `http` (tokens, faults, Graph's error shape), `odata` ($filter, $top,
$skiptoken), `gdap` (the relationship state machine and its handlers), `controls`
(/_sandbox/gdap).
"""

from connectors.partner_center.sandbox.graph.controls import add_admin_controls, approve, end
from connectors.partner_center.sandbox.graph.gdap import (
    create,
    create_assignment,
    create_request,
    get,
    list_all,
    list_assignments,
    refresh,
    view,
)
from connectors.partner_center.sandbox.graph.http import (
    GraphCtx,
    GraphDispatcher,
    GraphFault,
    served_at,
)

__all__ = [
    "GraphCtx", "GraphDispatcher", "GraphFault", "add_admin_controls", "approve", "create",
    "create_assignment", "create_request", "end", "get", "list_all", "list_assignments",
    "refresh", "served_at", "view",
]
