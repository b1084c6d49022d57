"""Logging from the environment: one JSON line per event (LOG_FORMAT=json, production's
default) or readable text (development's), at LOG_LEVEL, on standard error where systemd's
journal or the container runtime collects it.

Every line carries the request id and, where known, the user, reseller and order
(operations/context.py); the connectors add each Partner Center or Graph call's operation,
status, latency and MS-RequestId/MS-CorrelationId as fields. A filter on the handler scrubs
secrets before anything is written: the values of every secret setting (client secrets,
keys, passwords, tokens, a password inside a database or broker URL) and anything shaped
like a bearer token, an Authorization header or a secret query parameter.

python-json-logger (PyPI) writes the JSON: it turns a record's extra fields into keys and
handles exceptions and non-JSON values, which our own formatter would have to re-implement.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pythonjsonlogger.json import JsonFormatter

from config.errors import ConfigError
from operations import context

SCRUBBED = "[scrubbed]"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Settings whose values are secrets, by name; *_KEY_ID names a key, it is not one.
SECRET_SETTING = re.compile(r"SECRET|PASSWORD|TOKEN$|_KEY$|_KEYS$")
URL_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                "THROTTLE_STORAGE_URL")
MIN_SECRET_LENGTH = 6  # shorter values would scrub ordinary words; no real secret is this short
SHAPES = (
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + SCRUBBED),
    (re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(?!bearer\b)[^\s\"',}]+"),
     r"\1" + SCRUBBED),
    (re.compile(r"(?i)\b((?:client_secret|password|passwd|refresh_token|access_token|"
                r"id_token|api_key|apikey|secret)[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+"),
     r"\1" + SCRUBBED),
)
# Every shape needs one of these words: a text holding none (nearly every line and field)
# skips the substitutions, which were half the cost of a request's log line (#27).
SHAPE_WORDS = re.compile(r"(?i)bearer|authorization|passw|secret|token|api_?key")
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def secret_values(config: Mapping[str, Any]) -> list[str]:
    """Every secret the settings hold, longest first (so no prefix is scrubbed alone)."""
    found: set[str] = set()
    for name, value in config.items():
        if not isinstance(value, str) or not value:
            continue
        if SECRET_SETTING.search(name):
            found.add(value)
            # Lists of keys ("k1,k2" or "id:key,id:key"): each key on its own too.
            found.update(part for part in re.split(r"[,:]", value))
        if name in URL_SETTINGS:
            password = _url_password(value)
            if password:
                found.add(password)
    return sorted((v.strip() for v in found if len(v.strip()) >= MIN_SECRET_LENGTH),
                  key=len, reverse=True)


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class ScrubSecrets(logging.Filter):
    """Replaces secrets in the message, the traceback and every extra string field."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, SCRUBBED)
        if SHAPE_WORDS.search(text):
            for shape, replacement in SHAPES:
                text = shape.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.scrub(record.getMessage()), None
        if record.exc_text:  # a traceback another handler formatted already
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, self.scrub(value))
        return True


class AddContext(logging.Filter):
    """Copies the request's or task's context onto each record (explicit extras win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        known = context.current()
        for name in context.FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, known.get(name))
        return True


class TextLines(logging.Formatter):
    """Readable lines ("-" where no request id is known); tracebacks scrubbed."""

    def __init__(self, scrubber: ScrubSecrets) -> None:
        super().__init__(TEXT_FORMAT)
        self.scrubber = scrubber

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return self.scrubber.scrub(super().formatException(ei))


class JsonLines(JsonFormatter):
    """One JSON object per line; unknown context fields are left out rather than null."""

    def __init__(self, scrubber: ScrubSecrets) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"levelname": "level", "name": "logger",
                                        "asctime": "time"}, json_ensure_ascii=False)
        self.scrubber = scrubber

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if value is not None}

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        # python-json-logger formats exc_info itself rather than reuse exc_text.
        return self.scrubber.scrub(super().formatException(ei))


def settings(config: Mapping[str, Any]) -> tuple[int, str]:
    """LOG_LEVEL and LOG_FORMAT, checked; the format defaults to json in production."""
    level = str(config.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LEVELS:
        raise ConfigError(f"LOG_LEVEL={level!r} is not a level: use one of {', '.join(LEVELS)}.")
    default = "json" if config.get("ENV_NAME") == "production" else "text"
    form = str(config.get("LOG_FORMAT") or default).strip().lower()
    if form not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT={form!r}: use json (one JSON object per line) or text.")
    return getattr(logging, level), form


def formatter(form: str, scrubber: ScrubSecrets) -> logging.Formatter:
    return JsonLines(scrubber) if form == "json" else TextLines(scrubber)


def configure(config: Mapping[str, Any]) -> logging.Handler:
    """Install (or replace) our handler on the root logger; returns it."""
    level, form = settings(config)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "csp_storefront", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.csp_storefront = True
    handler.setLevel(level)
    scrubber = ScrubSecrets(secret_values(config))
    handler.addFilter(AddContext())
    handler.addFilter(scrubber)
    handler.setFormatter(formatter(form, scrubber))
    root.addHandler(handler)
    root.setLevel(level)
    # The metrics read the connectors' call records even when LOG_LEVEL hides them.
    logging.getLogger("connectors").setLevel(min(level, logging.INFO))
    return handler
