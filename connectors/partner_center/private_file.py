"""Files holding secrets or customer data (the msal token cache, the sandbox's state) are
readable by their owner only (0600), and are written whole or not at all."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PRIVATE = 0o600


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` through a temporary file created 0600: writing the file
    and then chmod-ing it left it readable by everyone in between, and a reader (or a crash)
    between the two saw a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE), "w",
                       encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), PRIVATE)  # a stale temporary file kept its old mode
            handle.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
