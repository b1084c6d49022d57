"""Serve the sandbox over HTTP: python -m connectors.partner_center.sandbox [--state FILE]."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from werkzeug.serving import make_server

from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.bulk import add_existing_customers
from connectors.partner_center.sandbox.state import Sandbox


def _parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(description="Partner Center sandbox server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--state", type=Path, help="JSON file keeping state across restarts")
    parser.add_argument("--provisioning-polls", type=int, default=2)
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute")
    # Off by default: tests of a real server count the sandbox's customers and subscriptions.
    parser.add_argument("--existing-customers", action="store_true",
                        help="hold customers that predate the storefront (the demo's data for "
                             "`flask partner-center import`)")
    return parser


def build(state: Path | None, existing_customers: bool = False) -> Sandbox:
    """A sandbox loaded from, and saving to, the state file when one is given; with
    `existing_customers`, it also holds the demo's customers that predate the storefront."""
    sandbox = Sandbox()
    if state is not None:
        if state.exists():
            sandbox.load(json.loads(state.read_text(encoding="utf-8")))
        sandbox.on_change = lambda _data: sandbox.save_to(state)
    if existing_customers:
        add_existing_customers(sandbox)  # once: a restarted sandbox finds them in its state
    return sandbox


def main(argv: list[str] | None = None) -> None:
    """Start the server and print one line when it is ready."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    sandbox = build(args.state, existing_customers=args.existing_customers)
    sandbox.config.provisioning_polls = args.provisioning_polls
    sandbox.config.rate_limit_per_minute = args.rate_limit
    server = make_server(args.host, args.port, create_sandbox_app(sandbox), threaded=True)
    print(f"Partner Center sandbox ready on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
