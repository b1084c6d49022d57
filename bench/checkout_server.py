"""The storefront plus one bare endpoint doing a single INSERT, for checkout_load.py.

gunicorn "bench.checkout_server:app" — the bare endpoint is the benchmark's baseline and is
never part of the product.
"""

from sqlalchemy import text

from storefront import create_app
from storefront.extensions import csrf, db

app = create_app()


@app.post("/bench/insert")
@csrf.exempt
def bench_insert():
    db.session.execute(text("INSERT INTO bench_rows (note) VALUES ('x')"))
    db.session.commit()
    return {"ok": True}, 201


with app.app_context():
    # Created by the bench's set-up before gunicorn starts (workers racing a CREATE on
    # PostgreSQL collide); IF NOT EXISTS makes this a no-op then.
    key = ("id SERIAL PRIMARY KEY" if db.engine.dialect.name == "postgresql"
           else "id INTEGER PRIMARY KEY")
    db.session.execute(text(f"CREATE TABLE IF NOT EXISTS bench_rows ({key}, note TEXT)"))
    db.session.commit()
