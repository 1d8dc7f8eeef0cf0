"""The one JSON reader for everything the kit reads off the wire or from a file.

:func:`read` (and :func:`loads`, its drop-in for :func:`json.loads`) accepts
exactly the JSON of RFC 8259 and tells what the standard library would hide:

- ``NaN``, ``Infinity`` and ``-Infinity`` are refused: "Numeric values that
  cannot be represented in the grammar ... (such as Infinity and NaN) are not
  permitted" (RFC 8259 §6).
- Nesting deeper than :data:`MAX_DEPTH` is refused, never a ``RecursionError``
  ("An implementation may set limits on the maximum depth of nesting", §9).
- A number no float or modest int holds (a 5000-digit integer, ``1e400``) is a
  :class:`BigNumber`, kept exactly, so it can be judged instead of being called
  "not JSON" or silently turned into ``inf``.
- A name repeated within an object is reported by its JSON pointer ("The names
  within an object SHOULD be unique", §4); the last value is kept, as most
  readers do.

>>> doc = read(b'{"a": 1, "a": 2, "n": 1e400}')
>>> doc.value["a"], doc.value["n"], doc.duplicates
(2, 1E+400, ('/a',))
>>> loads("[NaN]")
Traceback (most recent call last):
...
conformance._json.JsonError: NaN is not a JSON value (RFC 8259 §6)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "BigNumber",
    "JsonError",
    "JsonRead",
    "engine_view",
    "inspect_value",
    "loads",
    "read",
]

#: Deepest nesting accepted. Payment messages nest a handful of levels; 128 is
#: serde_json's default limit, and leaves room for the recursive Python code that
#: later walks a document (schema engines, redaction, reports) under Python's
#: default limit of 1000 frames.
MAX_DEPTH = 128

#: Integer literals longer than this are kept as :class:`BigNumber`: far below the
#: smallest int-to-text limit Python can be configured with (640 digits), so
#: printing them never raises, and beyond anything the schema engines need exactly.
_INT_DIGITS = 600
_INT_BITS = 1990  # about 600 decimal digits

#: What the schema engines see in place of a :class:`BigNumber`: an integer beyond
#: every bound a spec writes (JSON Schema calls a number without fraction an integer,
#: and every number too large for a float has none).
_BEYOND = 10**400


class JsonError(ValueError):
    """Bytes that are not acceptable JSON; ``str()`` says why in one line."""


class BigNumber(Decimal):
    """A JSON number too large for a float or a modest int, kept exactly as written.

    Its ``repr`` is short: ``1111111111…1111 (5000 digits)``.
    """

    def __repr__(self) -> str:
        text = str(self)
        if len(text) <= 40:
            return text
        digits = sum(c.isdigit() for c in text)
        return f"{text[:12]}…{text[-4:]} ({digits} digits)"


@dataclass(frozen=True, slots=True)
class JsonRead:
    """A document read by :func:`read`: its value and the pointers of repeated names."""

    value: Any
    duplicates: tuple[str, ...] = ()


class _Reader:
    """The hooks :func:`json.loads` calls while it builds one document."""

    def __init__(self) -> None:
        self.repeated: list[tuple[dict[str, Any], list[str]]] = []

    def pairs(self, items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            counts: dict[str, int] = {}
            for name, _ in items:
                counts[name] = counts.get(name, 0) + 1
            self.repeated.append((obj, [name for name, n in counts.items() if n > 1]))
        return obj


def _constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON value (RFC 8259 §6)")


def _int(text: str) -> int | BigNumber:
    return BigNumber(text) if len(text) > _INT_DIGITS else int(text)


def _float(text: str) -> float | BigNumber:
    value = float(text)
    return value if math.isfinite(value) else BigNumber(text)


def read(raw: bytes | bytearray | str) -> JsonRead:
    """The JSON document in *raw*; :class:`JsonError` when it is not acceptable JSON.

    Floats stay floats (``30000.0`` is not folded into an int): rules tell a
    decimal literal from an integer one.
    """
    reader = _Reader()
    try:
        value = json.loads(
            raw,
            object_pairs_hook=reader.pairs,
            parse_constant=_constant,
            parse_int=_int,
            parse_float=_float,
        )
    except JsonError:
        raise
    except RecursionError:
        raise JsonError(f"nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError as exc:
        raise JsonError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise JsonError(str(exc)) from None
    text = raw.encode("utf-8", "replace") if isinstance(raw, str) else bytes(raw)
    opened = text.count(b"[") + text.count(b"{")  # fewer brackets cannot nest deeper
    if opened > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise JsonError(f"nested deeper than {MAX_DEPTH} levels")
    if not reader.repeated:
        return JsonRead(value)
    where = {id(obj): names for obj, names in reader.repeated}
    found = [
        f"{pointer}/{_escape(name)}"
        for node, pointer in _containers(value)
        if isinstance(node, dict) and id(node) in where
        for name in where[id(node)]
    ]
    return JsonRead(value, tuple(found))


def loads(raw: bytes | bytearray | str) -> Any:
    """:func:`json.loads` for the kit: the value of :func:`read` (repeated names are kept last)."""
    return read(raw).value


def inspect_value(value: Any) -> tuple[str | None, Any]:
    """Why a Python value given as a JSON body is not one (``None`` when it is), and the value
    as :func:`read` would give it (an int too long to print becomes a :class:`BigNumber`).

    The same limits as :func:`read`: nesting deeper than :data:`MAX_DEPTH`, a
    float that is NaN or infinite. Walked without recursion.
    """
    level, depth, huge = [value], 0, False
    while level:
        below: list[Any] = []
        for node in level:
            if isinstance(node, float | Decimal) and not math.isfinite(node):
                return f"{node!r} is not a JSON value (RFC 8259 §6)", value
            if isinstance(node, dict):
                below.extend(node.values())
            elif isinstance(node, list | tuple):
                below.extend(node)
            elif isinstance(node, int) and not isinstance(node, bool):
                huge = huge or node.bit_length() > _INT_BITS
        depth += any(isinstance(n, dict | list | tuple) for n in level)
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels", value
        level = below
    return None, _big_ints(value) if huge else value


def _big_ints(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _INT_BITS:
        return BigNumber(value)
    if isinstance(value, dict):
        return {k: _big_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_big_ints(v) for v in value]
    return value


def engine_view(value: Any) -> Any:
    """*value* as the schema engines can judge it: each :class:`BigNumber` becomes an
    integer of its sign beyond every bound a spec writes.

    Returns *value* itself when nothing needed replacing.
    """
    if isinstance(value, BigNumber):
        return _BEYOND if value > 0 else -_BEYOND
    if isinstance(value, dict):
        items = {k: engine_view(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if isinstance(value, list):
        seen = [engine_view(v) for v in value]
        return value if all(a is b for a, b in zip(seen, value, strict=True)) else seen
    return value


def _depth(value: Any) -> int:
    level, depth = [value], 0
    while level:
        containers = [n for n in level if isinstance(n, dict | list)]
        if not containers:
            break
        depth += 1
        if depth > MAX_DEPTH:
            break
        level = [c for n in containers for c in (n.values() if isinstance(n, dict) else n)]
    return depth


def _containers(value: Any) -> Iterator[tuple[Any, str]]:
    """Every object and array of a document with its JSON pointer, without recursion."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            yield node, pointer
            stack.extend((v, f"{pointer}/{_escape(k)}") for k, v in node.items())
        elif isinstance(node, list):
            yield node, pointer
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node))


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
