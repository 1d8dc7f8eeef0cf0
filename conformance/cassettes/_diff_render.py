"""``cassettes diff`` output: plain text, JSON, or markdown for a pull-request comment.

>>> from conformance.cassettes._diff import Change, DiffResult
>>> result = DiffResult("old.yaml", "new.yaml", "pivot", ["pivot.full-capture"], 1, [
...     Change("pivot.full-capture", "POST /v2/payments/{id}/capture #1", "/message",
...            "message.changed", "Success", "OK", "message 'Success' became 'OK'")])
>>> print(render(result, "text"))  # doctest: +NORMALIZE_WHITESPACE
pivot: old.yaml -> new.yaml: 1 change(s): 0 breaking, 0 non-breaking, 1 cosmetic
  (1 scenario(s), 1 paired interaction(s))
pivot.full-capture
  POST /v2/payments/{id}/capture #1
    [cosmetic] message.changed at /message: message 'Success' became 'OK'
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ._diff import Change, DiffResult
from ._diff_rules import RULES, SEVERITIES

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "markdown")


def render(result: DiffResult, fmt: str) -> str:
    """*result* as ``text``, ``json`` or ``markdown``."""
    if fmt == "json":
        return json.dumps(_document(result), indent=2, ensure_ascii=False, default=repr)
    if fmt == "markdown":
        return "\n".join(_markdown(result))
    return "\n".join(_text(result))


def _headline(result: DiffResult) -> str:
    counts = result.counts()
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
    return f"{len(result.changes)} change(s): {parts}"


def _text(result: DiffResult) -> Iterator[str]:
    yield f"{result.provider}: {result.old} -> {result.new}: {_headline(result)}"
    yield f"  ({len(result.scenarios)} scenario(s), {result.pairs} paired interaction(s))"
    scenario = where = None
    for change in result.changes:
        if change.scenario != scenario:
            scenario, where = change.scenario, None
            yield scenario
        if change.where and change.where != where:
            where = change.where
            yield f"  {where}"
        at = f" at {change.pointer}" if change.pointer else ""
        indent = "    " if change.where else "  "
        yield f"{indent}[{change.severity}] {change.rule}{at}: {change.message}"


def _document(result: DiffResult) -> dict[str, Any]:
    used = sorted({c.rule for c in result.changes})
    return {
        "provider": result.provider,
        "old": result.old,
        "new": result.new,
        "summary": {
            **result.counts(),
            "changes": len(result.changes),
            "scenarios": len(result.scenarios),
            "paired_interactions": result.pairs,
        },
        "changes": [c.to_dict() for c in result.changes],
        "rules": {
            r: {"severity": RULES[r].severity, "rationale": RULES[r].rationale} for r in used
        },
    }


_ICON = {"breaking": "🔴", "non-breaking": "🟡", "cosmetic": "⚪"}


def _markdown(result: DiffResult) -> Iterator[str]:
    yield f"### Cassette diff ({result.provider}): {_headline(result)}"
    yield ""
    yield f"`{result.old}` → `{result.new}`, {len(result.scenarios)} scenario(s), "
    yield f"{result.pairs} paired interaction(s)."
    if not result.changes:
        yield ""
        yield "No change."
        return
    yield ""
    yield "| | scenario | interaction | where | rule | old | new |"
    yield "| --- | --- | --- | --- | --- | --- | --- |"
    for change in result.changes:
        yield "| " + " | ".join(_cells(change)) + " |"
    yield ""
    yield "<details><summary>Rules</summary>"
    yield ""
    for rule in sorted({c.rule for c in result.changes}):
        yield f"- `{rule}` ({RULES[rule].severity}): {RULES[rule].rationale}"
    yield ""
    yield "</details>"


def _cells(change: Change) -> list[str]:
    return [
        f"{_ICON[change.severity]} {change.severity}",
        f"`{change.scenario}`",
        _escape(change.where),
        f"`{change.pointer}`" if change.pointer else "",
        f"`{change.rule}`",
        _escape(_short(change.old)),
        _escape(_short(change.new)),
    ]


def _short(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
