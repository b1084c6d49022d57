"""A faithful, stateful Partner Center sandbox (see partner-center-api.md §11).

`Sandbox` holds the state and the fault plan; `create_sandbox_app(sandbox)` serves it as
WSGI. Tests route the real client to it in-process (`router.route_to_sandbox`, fixtures in
`fixtures.py`); the demo runs it as a server: `python -m connectors.partner_center.sandbox`.
"""

from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.faults import Fault
from connectors.partner_center.sandbox.state import Sandbox, SandboxConfig

__all__ = ["Fault", "Sandbox", "SandboxConfig", "create_sandbox_app"]
