"""Profile placing one order through the API view, on the checkout benchmark's data.

Run: .venv/bin/python bench/checkout_profile.py [--backend postgres] [--orders N]
Places N orders (after a warm-up) through Flask's test client, once timed and once under
cProfile, and prints the SQL statements and commits of one order on each database it
touches (the app's; on SQLite also the throttle's file and the broker's), its Partner
Center calls, the time and CPU per order without the profiler, and the hottest functions.
#27's floor: at most 10 statements and 1 commit on the app's database per API order.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.checkout_load import free_port, wait_for  # noqa: E402
from bench.checkout_stack import BIN, ROOT, app_env, prepare, python, services  # noqa: E402

PROFILE = r'''
import cProfile, pstats, sys, uuid
from sqlalchemy import event
from persistence import db
from storefront import create_app

token, customer, price, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
app = create_app()
client = app.test_client()
body = {"customer_id": customer, "lines": [{"price_id": price, "quantity": 1}]}

def order():
    r = client.post("/api/v1/orders", json=body, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.get_data(as_text=True)

for _ in range(5):
    order()
# Every engine of the process: the app's database, and on SQLite the throttle's own file
# and the broker's (kombu's SQLAlchemy transport), each with its statements and commits.
from collections import Counter, defaultdict
from sqlalchemy.engine import Engine
with app.app_context():
    app_url = db.engine.url
statements, commits = defaultdict(list), Counter()
def where(conn):
    return "app database" if conn.engine.url == app_url else conn.engine.url.database
event.listen(Engine, "after_cursor_execute", lambda conn, cur, stmt, *a: statements[
    where(conn)].append(f"{max(cur.rowcount, 0):4d} rows  " + " ".join(stmt.split())[:140]))
event.listen(Engine, "commit", lambda conn: commits.update([where(conn)]))
import requests.sessions
calls = []
send = requests.sessions.Session.send
def counting_send(self, request, **kw):
    calls.append(f"{request.method} {request.url.split('/', 3)[-1][:100]}")
    return send(self, request, **kw)
requests.sessions.Session.send = counting_send
order()
for name in sorted(set(statements) | set(commits), key=lambda n: n != "app database"):
    print(f"--- {name}: {len(statements[name])} SQL statements and {commits[name]} commits "
          "in one order")
    for stmt in statements[name]:
        print(f"  {stmt}")
print(f"--- {len(calls)} Partner Center calls in one order")
for call in calls:
    print(f"  {call}")
import time
started, cpu = time.perf_counter(), time.process_time()
for _ in range(count):
    order()
print(f"--- {count} orders without the profiler: "
      f"{(time.perf_counter() - started) / count * 1000:.2f} ms each, "
      f"{(time.process_time() - cpu) / count * 1000:.2f} ms of CPU")
profile = cProfile.Profile()
profile.enable()
for _ in range(count):
    order()
profile.disable()
stats = pstats.Stats(profile)
if len(sys.argv) > 5:
    stats.dump_stats(sys.argv[5])
print(f"--- {count} orders: {stats.total_tt / count * 1000:.1f} ms each under the profiler")
stats.sort_stats("cumulative").print_stats(45)
stats.sort_stats("tottime").print_stats(25)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--stats", default="", help="also write the pstats data to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, services(args.backend, Path(tmp)) as backend:
        sandbox_port = free_port()
        env = app_env(Path(tmp), backend, sandbox_port)
        price_id, [(token, customer_id)] = prepare(env, 1)
        sandbox = subprocess.Popen(
            [str(BIN / "python"), "-m", "connectors.partner_center.sandbox", "--port",
             str(sandbox_port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{sandbox_port}/_sandbox/state")
            print(python(env, PROFILE, token, str(customer_id), str(price_id),
                         str(args.orders), *([args.stats] if args.stats else [])))
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
