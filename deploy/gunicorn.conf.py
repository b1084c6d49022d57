"""gunicorn for production, behind nginx (deploy/nginx): `gunicorn -c deploy/gunicorn.conf.py`.

Sync workers are right here because nginx buffers: a request reaches a worker only once
its header and body are complete, and the worker hands its response to nginx at once, so
no worker ever waits on a slow client. Without nginx in front, sync workers are exactly
what a slow-loris client ties up (issue 19): never expose this port.
"""

import gc
import multiprocessing
import os

# nginx sets X-Forwarded-For/-Proto and is the one proxy the app believes (ProxyFix in
# storefront/__init__.py); set before the app is imported, which reads its settings then.
os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")

wsgi_app = "storefront:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx's upstream, loopback only
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30  # a worker silent this long (a stuck request) is replaced; below nginx's 60 s
graceful_timeout = 30
# Recycle workers now and then (a leak in any library stays bounded); the jitter keeps
# them from all going at once. Not often: a new worker starts with its catalog caches
# empty (storefront/listing_cache.py, catalog/cache.py, all bounded) - its first shop
# page read 5,000 products in ~70 ms, its first in another market ~13 ms, and every
# page and offer card is rendered again (#27).
max_requests = 20000
max_requests_jitter = 2000
# The same header limits as nginx's large_client_header_buffers (8 KiB a line).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = "127.0.0.1"
# No gunicorn access log: the app writes one line per request itself, with its request id,
# user and order, as JSON in production (storefront/observability.py), the path only and
# never the query string (a link's token must not reach a log).
accesslog = None


def post_worker_init(worker):
    """The app is loaded in this worker. It reads the catalog's product lists now, before
    taking requests: each market's first view in a new or recycled worker read them in
    70-270 ms (catalog/warm.py). Then what the worker holds for its lifetime (~200,000
    objects: modules, SQLAlchemy's mappers, Jinja's templates, those lists) leaves the
    garbage collector's view: a full collection then walks only what requests made since
    (the per-worker caches): measured on the catalog bench's data, a full collection took
    96-111 ms with them and 14 ms without, a pause some request would wait through."""
    from catalog.warm import read_catalog_ahead  # the worker's app: never the master's

    read_catalog_ahead(worker.wsgi)
    gc.collect()
    gc.freeze()
    # From here the young generations are collected between requests (post_request).
    gc.set_threshold(SAFETY_NET, *COLLECT_AT[1:])


# Python collects its young objects whenever 700 more have been made than freed, in the
# middle of whichever request makes the 700th: on the catalog bench a shop page not yet
# cached started a collection one time in three (~0.1 ms), an older-generation one (~1 ms)
# one page in 30 and a full one (~17 ms) one in 400, all while a buyer waited. A sync
# worker has sent the whole response before post_request runs, so the same collections on
# the same schedule cost nobody a wait there (Unicorn's out-of-band GC, for Python). The
# automatic collection stays as a safety net for a request that makes far more objects
# than a page (an import, an export), which would otherwise grow until it ends.
COLLECT_AT = gc.get_threshold()  # the interpreter's schedule, (700, 10, 10)
SAFETY_NET = 100_000


def post_request(worker, req, environ, resp):
    """The collection Python would have started during the request, now that the response
    is sent: the oldest generation due, as the interpreter picks it (without its extra
    check that postpones a full collection while few objects have aged since the last)."""
    counts = gc.get_count()
    if counts[0] <= COLLECT_AT[0]:
        return
    for generation in (2, 1, 0):
        if counts[generation] > COLLECT_AT[generation]:
            gc.collect(generation)
            return


def child_exit(server, worker):
    """A worker ended (recycled by max_requests, or killed): in Prometheus' multiprocess
    mode (PROMETHEUS_MULTIPROC_DIR, operations/metrics.py) its live gauges stop counting;
    its counters stay in the sums, as counters must. prometheus_client only, not the app:
    the master process never imports the app."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
