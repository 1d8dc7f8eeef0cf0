"""``cassettes diff`` output: plain text, JSON, markdown for a pull-request comment, or HTML.

Every format is redacted alike (:func:`redactor`): the values of secret fields
and headers found in either recording, and any secret the caller names (the
credentials in the environment), are scrubbed wherever they show, as in every
other output of the kit. The HTML page is :mod:`._diff_html`.

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
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from ..reports._redact import Redactor, exchange_secrets
from ..suite import Exchange
from ._diff import Change, DiffResult
from ._diff_html import to_html
from ._diff_rules import RULES, SEVERITIES
from ._format import BodyError, Interaction

__all__ = ["FORMATS", "redactor", "render"]

FORMATS = ("text", "json", "markdown", "html")


def render(result: DiffResult, fmt: str, *, secrets: Iterable[str] = ()) -> str:
    """*result* as ``text``, ``json``, ``markdown`` or ``html``, redacted (:func:`redactor`)."""
    scrub = redactor(result, secrets)
    if fmt == "json":
        document = scrub.deep(_document(result))
        return json.dumps(document, indent=2, ensure_ascii=False, default=repr)
    if fmt == "html":
        return to_html(result, scrub)
    lines = _markdown(result) if fmt == "markdown" else _text(result)
    return "\n".join(scrub(line) for line in lines)


def redactor(result: DiffResult, secrets: Iterable[str] = ()) -> Redactor:
    """Scrubs *secrets* and every secret value either recording holds out of free text.

    The values of secret headers (HTTP Basic decoded too), query parameters and
    body fields of each interaction, found as the reports find them in the
    suite's exchanges (:func:`~conformance.reports._redact.exchange_secrets`).
    """
    found = list(secrets)
    for _, _, old, new in result.exchanges:
        for item in (old, new):
            if item is not None:
                found += _secrets(item)
    return Redactor([], extra=found)


def _secrets(item: Interaction) -> list[str]:
    try:
        request = item.httpx_request()
    except (httpx.InvalidURL, ValueError, TypeError):
        return []
    try:
        response: httpx.Response | None = item.httpx_response(request)
    except BodyError:
        response = None
    return list(exchange_secrets(Exchange("", request, response)))


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
