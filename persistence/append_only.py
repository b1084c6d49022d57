"""Tables whose rows are written once: the ORM refuses an update or delete before it is
sent, and database triggers refuse the same through raw SQL (SQLite and PostgreSQL, where
TRUNCATE is refused too), so a ledger stays whole whichever way a change is attempted.
Migrations keep their own copy of the DDL: a migration must not change when this module
does."""

from collections.abc import Callable, Iterable

from sqlalchemy import DDL, event, inspect

from persistence import db


def append_only(models: Iterable[type], *, refuse: Callable[[object], Exception],
                message: str, function: str, trigger_suffix: str) -> None:
    """Make each model's rows unchangeable. `refuse(row)` builds the exception the ORM raises;
    `message` is what the triggers abort with; `function` names the PostgreSQL trigger
    function and `trigger_suffix` its per-table trigger (both already in the migrations)."""
    def refuse_delete(_mapper, _connection, target) -> None:
        raise refuse(target)

    def refuse_update(mapper, _connection, target) -> None:
        # The ORM also flushes a row whose collections alone changed (a payment added to an
        # invoice): that writes nothing to the row, so only a changed column is refused.
        state = inspect(target)
        if any(state.attrs[column.key].history.has_changes() for column in mapper.column_attrs):
            raise refuse(target)

    for model in models:
        event.listen(model, "before_update", refuse_update)
        event.listen(model, "before_delete", refuse_delete)
        _add_triggers(model.__table__, message, function, trigger_suffix)
    event.listen(db.metadata, "before_create", DDL(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
        f"RAISE EXCEPTION '{message}'; END $$ LANGUAGE plpgsql").execute_if(dialect="postgresql"))


def _add_triggers(table, message: str, function: str, trigger_suffix: str) -> None:
    name = table.name
    for action in ("UPDATE", "DELETE"):
        event.listen(table, "after_create", DDL(
            f"CREATE TRIGGER {name}_no_{action.lower()} BEFORE {action} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END").execute_if(dialect="sqlite"))
    event.listen(table, "after_create", DDL(
        f"CREATE TRIGGER {name}_{trigger_suffix} BEFORE UPDATE OR DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()").execute_if(dialect="postgresql"))
    # TRUNCATE fires no row trigger: without this one the ledger's tail could be cut
    # (migration 0039). SQLite has no TRUNCATE; its DELETE fires the row triggers above.
    event.listen(table, "after_create", DDL(
        f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()").execute_if(dialect="postgresql"))
