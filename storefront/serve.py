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
import logging
import time
from collections.abc import Callable, Iterable

from waitress import serve

from storefront import create_app

log = logging.getLogger("storefront.access")

THREADS = 8  # requests in progress at once; they wait on the database and Partner Center
CONNECTION_LIMIT = 1000  # open sockets, slow ones included; new ones wait in the backlog
CHANNEL_TIMEOUT = 60  # seconds a connection may stay silent before it is closed
MAX_HEADER_BYTES = 64 * 1024


def main(argv: list[str] | None = None) -> None:
    """Build the app (STOREFRONT_ENV decides the settings) and serve it until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the storefront with waitress.")
    parser.add_argument("--listen", default="127.0.0.1:5000", help="HOST:PORT to listen on")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    serve(access_log(app), listen=args.listen, threads=THREADS,
          connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT,
          # poll(), not select(): select() cannot watch descriptors numbered past 1024.
          asyncore_use_poll=True, max_request_header_size=MAX_HEADER_BYTES,
          # Twice the app's limit: the app answers a body a little too large with its own
          # 413 page; waitress stops buffering one far too large.
          max_request_body_size=2 * app.config["MAX_CONTENT_LENGTH"], ident="csp-storefront")


def access_log(app: Callable) -> Callable:
    """One line per request (waitress writes none): address, method, path, status, time.
    The query string is left out: a link's token must not reach a log."""

    def logged(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started, status = time.perf_counter(), ["-"]

        def start(code: str, headers: list, exc_info=None):
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            log.info("%s %s %s %s %.0f ms", environ.get("REMOTE_ADDR", "-"),
                     environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), status[0],
                     (time.perf_counter() - started) * 1000)

    return logged


if __name__ == "__main__":
    main()
