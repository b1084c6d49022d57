"""The storefront plus one signed-in page that shows nothing, for catalog_page.py.

gunicorn "bench.catalog_server:app" — /bench/signed-in is the catalog bench's second
baseline and never part of the product: the session check, the layout (top bar, menu,
unread count) and the security headers, with no content. Every signed-in page pays at
least this, so it says how much of a catalog page's time over /healthz is the catalog's.
"""

from flask import render_template
from flask_login import login_required

from storefront import create_app

# Sign-in's second factor is not what is measured: off, so the bench signs in with a
# password (catalog_page.py checks that it did).
app = create_app({"MFA_REQUIRED": False})


@app.get("/bench/signed-in")
@login_required
def signed_in_floor():
    return render_template("base.html")
