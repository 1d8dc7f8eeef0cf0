"""Conformance failures as values.

A :class:`Violation` says which rule failed, where (a JSON pointer into the
checked document), what was expected, what was received, and the doc quote or
provider fact the rule rests on.

>>> v = Violation(rule="midtrans.capture-request.gross-amount", message="not a Long",
...               pointer="/gross_amount", expected="integer", actual=30000.5)
>>> print(v)  # doctest: +NORMALIZE_WHITESPACE
[error] midtrans.capture-request.gross-amount at /gross_amount: not a Long
(expected 'integer', received 30000.5)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MISSING", "Severity", "Source", "Violation"]


class _Missing:
    """Marks a value that is absent from the document (distinct from JSON ``null``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Severity(enum.StrEnum):
    """How much a violation matters: ``error`` breaks the contract, ``warning`` is advice."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Source:
    """The doc quote or provider fact a rule rests on (an entry of ``sources.json``).

    *url* is the public documentation page *ref* comes from (``conformance.specs``
    adds it when the sources are loaded); empty when there is none.

    >>> src = Source("s", "documented", "seeds/001.txt", "a  *string*\\nwith two", "https://d/x")
    >>> src.text, src.where
    ('a *string* with two', 'https://d/x')
    """

    id: str
    kind: str
    ref: str
    quote: str
    url: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        """The quote as one line: literal ``\\n`` and runs of white space become one space."""
        return " ".join(self.quote.replace("\\n", " ").split())

    @property
    def where(self) -> str:
        """Where to read it: the documentation URL, else the reference."""
        return self.url or self.ref

    def __str__(self) -> str:
        return f"{self.where} ({self.kind}): {self.text!r}"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in one document."""

    rule: str
    message: str
    pointer: str = ""
    expected: Any = None
    actual: Any = None
    severity: Severity = Severity.ERROR
    source: Source | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.pointer or "/"
        return (
            f"[{self.severity}] {self.rule} at {where}: {self.message} "
            f"(expected {self.expected!r}, received {self.actual!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; an absent value is written as the string ``"<missing>"``."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "message": self.message,
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "source": None
            if self.source is None
            else {
                "id": self.source.id,
                "kind": self.source.kind,
                "ref": self.source.ref,
                "quote": self.source.quote,
            },
        }


def _jsonable(value: Any) -> Any:
    return repr(value) if value is MISSING else value
