"""Serve the storefront with waitress: `python -m storefront.serve [--listen HOST:PORT]`, the
`web` process of the Procfile (`make run`).

Why waitress rather than gunicorn's sync workers: a sync worker reads its client's request
itself, so a client sending its headers one byte every few seconds holds a whole worker,
and four such sockets took /healthz down (issue 19). Waitress reads every connection in one
asynchronous loop and hands a request to its threads only once the headers and body have
all arrived (kept in memory, or in a temporary file past 512 KiB): a slow or stalled client
costs a socket, never a thread. gunicorn's gthread workers do not help: a thread takes the
connection once its first bytes arrive and then blocks reading the rest.

The limit is CONNECTION_LIMIT sockets at once; beyond that, and at scale, the production
layout puts nginx in front of gunicorn (deploy/), which buffers the same way and also caps
connections per address and times out headers and bodies that arrive too slowly.
"""

from __future__ import annotations

import argparse

from waitress import serve

from catalog.warm import read_catalog_ahead
from storefront import create_app

THREADS = 8  # requests in progress at once; they wait on the database and Partner Center
CONNECTION_LIMIT = 1000  # open sockets, slow ones included; new ones wait in the backlog
CHANNEL_TIMEOUT = 60  # seconds a connection may stay silent before it is closed
MAX_HEADER_BYTES = 64 * 1024


def main(argv: list[str] | None = None) -> None:
    """Build the app (STOREFRONT_ENV decides the settings) and serve it until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the storefront with waitress.")
    parser.add_argument("--listen", default="127.0.0.1:5000", help="HOST:PORT to listen on")
    args = parser.parse_args(argv)
    # create_app configures logging (LOG_LEVEL, LOG_FORMAT) and writes one line per request
    # with its request id (storefront/observability.py), so waitress needs no access log.
    app = create_app()
    read_catalog_ahead(app)  # the product lists, before the first shop view (as gunicorn's)
    serve(app, listen=args.listen, threads=THREADS,
          connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT,
          # poll(), not select(): select() cannot watch descriptors numbered past 1024.
          asyncore_use_poll=True, max_request_header_size=MAX_HEADER_BYTES,
          # Twice the app's limit: the app answers a body a little too large with its own
          # 413 page; waitress stops buffering one far too large.
          max_request_body_size=2 * max(app.config["MAX_CONTENT_LENGTH"],
                                        app.config["PRICE_LIST_MAX_BYTES"]),
          ident="csp-storefront")


if __name__ == "__main__":
    main()
