"""Any package can be imported before the app is created (scripts, workers and the bench
server do): no module may configure the ORM's mappers at import time."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_orders_imported_before_the_app_is_created_in_a_fresh_interpreter():
    # Loader options built at import (accounts/sessions.py once did) configure every mapper
    # imported so far, before the models they name by string exist.
    done = subprocess.run([sys.executable, "-c", "from orders import snapshot\n"
                           "from config.settings import TestingConfig\n"
                           "from storefront import create_app\n"
                           "create_app(TestingConfig)\n"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
