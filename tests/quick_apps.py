"""The suite's own speed-ups (a pytest plugin, loaded by tests/conftest.py): no test's
behaviour changes, only what building ~8,000 Flask apps and running ~4,000 tests costs.

- Each test builds its storefront app and the Partner Center sandbox's, and werkzeug
  compiles two URL builders per route of each (~900 routes): Python source generated,
  parsed and compiled, three quarters of what `create_app` costs (48 -> 12 ms with this).
  The builders depend only on the rule, so each is compiled once per test process and
  handed to every later rule equal to it.
- Each test's engine compiled the statements its test runs again, as the last test's engine
  had; engines of the same kind of database now share what is compiled (below).

Production builds one app and one engine per process and needs neither.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.util import LRUCache
from werkzeug.routing import Rule

_compile = Rule._compile_builder
_compiled: dict[tuple, object] = {}


def _compile_builder_once(self: Rule, append_unknown: bool = True):
    # What the generated function reads of its rule: the traced parts (static text and
    # argument names, host and path), the defaults it folds in, and whether it appends
    # unknown arguments as a query string. The rule itself is its first argument.
    key = (append_unknown, self.rule, tuple(self._trace),
           repr(sorted((self.defaults or {}).items())))
    builder = _compiled.get(key)
    if builder is None:
        builder = _compiled[key] = _compile(self, append_unknown)
    return builder


Rule._compile_builder = _compile_builder_once


class _CompiledAcrossEngines(LRUCache):
    """SQLAlchemy compiles each statement once per engine (its compiled cache is keyed by
    the engine's dialect object), and every test has an engine of its own, so each test
    compiled its statements again: a tenth of the profiled tests' time. Keyed here by
    what the compiled SQL depends on of the dialect instead, alike engines share it."""

    @staticmethod
    def _shared(key: tuple) -> tuple:
        dialect, *rest = key
        return (type(dialect), dialect.driver, dialect.server_version_info,
                dialect.paramstyle, dialect.label_length, *rest)

    def get(self, key, default=None):
        return super().get(self._shared(key), default)

    def __setitem__(self, key, value) -> None:
        super().__setitem__(self._shared(key), value)


_COMPILED = _CompiledAcrossEngines(5000)


@event.listens_for(Engine, "engine_connect")
def _share_compiled_statements(connection) -> None:
    connection.engine._compiled_cache = _COMPILED
