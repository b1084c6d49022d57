"""A server reads the catalog's product lists before it takes requests (deploy/gunicorn.conf.py's
post_worker_init, storefront/serve.py)."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from catalog import rows
from persistence import db

log = logging.getLogger(__name__)


def read_catalog_ahead(app: Flask) -> None:
    """catalog/rows.py's read_ahead in this app. A database that cannot answer yet leaves
    the reading to the first requests, as without it: a worker must start either way."""
    with app.app_context():
        try:
            rows.read_ahead(db.session)
        except SQLAlchemyError as error:
            log.warning("The catalog was not read ahead (%s); the first views will read it.",
                        type(error).__name__)
        finally:
            db.session.remove()
