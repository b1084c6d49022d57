"""The Celery entry point: `celery -A storefront.worker worker` (see Procfile).

Builds the Flask app from the environment, so the worker shares the web app's settings,
database and Partner Center client factory.
"""

from __future__ import annotations

from kombu.transport import sqlalchemy as kombu_sqlalchemy

from storefront import create_app

# The SQLite broker polls; 1 s between empty polls makes a demo order feel stuck. This is
# the knob that works: broker_transport_options would pass it to create_engine() and crash.
kombu_sqlalchemy.Transport.polling_interval = 0.1

flask_app = create_app()
# `celery -A storefront.worker` looks for `app` or `celery`; `app` must be the Celery app.
app = celery = flask_app.extensions["celery"]
