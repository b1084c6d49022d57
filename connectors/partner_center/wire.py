"""Small helpers to read Partner Center JSON, which arrives in camelCase or PascalCase."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def get(data: Any, key: str, default: Any = None) -> Any:
    """Read `key` from a JSON object whatever the case of its first letter."""
    if not isinstance(data, dict):
        return default
    if key in data:
        return data[key]
    return data.get(key[:1].upper() + key[1:], default)


def obj(data: Any, key: str) -> dict[str, Any]:
    """Read a nested JSON object, or an empty one when it is absent."""
    value = get(data, key)
    return value if isinstance(value, dict) else {}


def items(data: Any, key: str = "items") -> list[Any]:
    """Read a list from a collection (`items`), a `{"value": [...]}` wrapper or a bare list.

    Some documented samples drop the collection around a single resource (the new-commerce
    availability list): a resource with an id where a collection was expected is one item.
    """
    if isinstance(data, list):
        return data
    value = get(data, key)
    if isinstance(value, dict):
        value = get(value, "value")
    if value is None and key == "items" and get(data, "id") is not None:
        return [data]
    return value if isinstance(value, list) else []


def text(data: Any, key: str, default: str = "") -> str:
    """Read a string field; absent or null becomes `default`."""
    value = get(data, key)
    return default if value is None else str(value)


def timestamp(data: Any, key: str) -> datetime | None:
    """Parse an ISO-8601 timestamp field (Z, an offset, or no zone at all, which is UTC).

    Samples in the docs carry invalid ones ("2015-11-25T06: 41: 12Z"): those read as
    absent rather than failing the whole resource."""
    value = get(data, key)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """Format a timestamp the way Partner Center does (UTC, trailing Z)."""
    return moment.isoformat().replace("+00:00", "Z")


def camelize(data: Any) -> Any:
    """Lower the first letter of every key so PascalCase input reads like camelCase."""
    if isinstance(data, dict):
        return {(k[:1].lower() + k[1:]) if isinstance(k, str) else k: camelize(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [camelize(v) for v in data]
    return data
