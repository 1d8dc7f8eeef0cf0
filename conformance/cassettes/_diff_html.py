"""``cassettes diff --format html``: the drift between two recordings, for people to look at.

One self-contained page, in the chrome the ``--report-html`` report uses
(:mod:`conformance.reports._page`): inline style and script, no network, no
external asset. It holds the counts per class and a legend; then, per scenario
that changed, each interaction that changed: its changes in a table with the
OLD and NEW values side by side, each row coloured by its class (breaking red,
non-breaking amber, cosmetic grey), and under it the two recorded answers side
by side. Scenarios without a change are listed by name; the rules met close the
page. A menu shows one class only; without script everything shows.

Every value is redacted: secret fields by name, then the caller's
:class:`~conformance.reports._redact.Redactor` over all text.

>>> from conformance.cassettes._diff import Change, DiffResult
>>> from conformance.reports._redact import Redactor
>>> result = DiffResult("old.yaml", "new.yaml", "pivot", ["pivot.full-capture"], 1, [
...     Change("pivot.full-capture", "POST /v2/payments/{id}/capture #1", "/message",
...            "message.changed", "Success", "OK", "message 'Success' became 'OK'")])
>>> page = to_html(result, Redactor([]))
>>> page.startswith("<!DOCTYPE html>"), 'class="change cosmetic"' in page
(True, True)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .._json import loads
from ..reports._evidence import BODY_LIMIT
from ..reports._page import e, head
from ..reports._redact import Redactor, redact_body, redact_json, redact_url
from ..reports.json_report import tool_version
from ._diff import Change, DiffResult
from ._diff_rules import RULES, SEVERITIES
from ._format import BodyError, Interaction

__all__ = ["to_html"]

# The diff's own classes; everything else is the shared style.
_STYLE = """
.breaking{--c:#b3141b;--bg:#fcebeb}.non-breaking{--c:#9a6200;--bg:#fdf4e1}
.cosmetic{--c:#6b6b6b;--bg:#f3f3f3}
.badge{display:inline-block;min-width:6.5rem;text-align:center;padding:0 .4rem;
border-radius:.7rem;color:#fff;background:var(--c);font-size:12px;font-weight:600}
tr.change{background:var(--bg)}tr.change>td:first-child{border-left:6px solid var(--c)}
td.count{color:var(--c);font-weight:600;font-size:1.1rem}td.count.zero{color:#999;font-weight:400}
.legend{list-style:none;padding:0}.legend li{margin:.2rem 0}
.headline{font-size:1.05rem;font-weight:600}
.scenario{margin:1.6rem 0}.interaction{margin:0 0 1.2rem .6rem}
.changes{width:100%}.changes td.v{width:22%}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.8rem;margin:.3rem 0 0}
.side{border:1px solid #d0d0d0;padding:.3rem .5rem;background:#fafafa;min-width:0}
.side h4{margin:0 0 .3rem;font-size:13px}.side.absent{color:#777;background:#fff}
"""

# Shows one class only; the page reads the same without it.
_SCRIPT = """
(function(){
  var menu=document.getElementById('class-filter');
  menu.addEventListener('change',function(){
    var v=menu.value;
    document.querySelectorAll('tr[data-class]').forEach(function(el){
      el.hidden=v!=='' && el.getAttribute('data-class')!==v;});
    document.querySelectorAll('[data-classes]').forEach(function(el){
      el.hidden=v!=='' && el.getAttribute('data-classes').split(' ').indexOf(v)<0;});
  });
})();
"""

_MEANING = {
    "breaking": "an integration written against the contract may fail",
    "non-breaking": "the behaviour differs; such an integration keeps working",
    "cosmetic": "nothing a program should read changed",
}
#: Each side's answer is cut to this many characters.
_ANSWER_LIMIT = BODY_LIMIT // 2
_COLUMNS = "<tr><th>class</th><th>rule</th><th>at</th><th>OLD</th><th>NEW</th><th>what</th></tr>"


def _headline(result: DiffResult) -> str:
    counts = result.counts()
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
    return f"{len(result.changes)} change(s): {parts}"


def to_html(result: DiffResult, scrub: Redactor) -> str:
    """The whole page for *result*, every value redacted by *scrub*."""
    title = f"cassette diff ({result.provider}): {_headline(result)}"
    body = [
        head(
            scrub(title),
            f"capture-conformance cassette diff &middot; {e(result.provider)}",
            style=_STYLE,
        ),
        f"<p>capture-conformance {e(tool_version())} &middot; OLD <code>{e(scrub(result.old))}"
        f"</code> &rarr; NEW <code>{e(scrub(result.new))}</code></p>",
        *_summary(result),
        *_scenarios(result, scrub),
        *_rules(result),
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(body) + "\n"


def _summary(result: DiffResult) -> Iterator[str]:
    counts = result.counts()
    changed = len({c.scenario for c in result.changes})
    yield f'<p class="headline">{e(_headline(result))}</p>'
    yield (
        '<table class="summary"><tr><th>changes</th>'
        + "".join(f'<th class="{s}">{s}</th>' for s in SEVERITIES)
        + "<th>scenarios</th><th>changed scenarios</th><th>paired interactions</th></tr><tr>"
        + f'<td class="n">{len(result.changes)}</td>'
        + "".join(
            f'<td class="n count {s}{"" if counts[s] else " zero"}">{counts[s]}</td>'
            for s in SEVERITIES
        )
        + f'<td class="n">{len(result.scenarios)}</td><td class="n">{changed}</td>'
        f'<td class="n">{result.pairs}</td></tr></table>'
    )
    yield (
        '<ul class="legend">'
        + "".join(
            f'<li class="{s}"><span class="badge">{s}</span> {e(meaning)}</li>'
            for s, meaning in _MEANING.items()
        )
        + "</ul>"
    )
    options = "".join(f'<option value="{s}">{s}</option>' for s in SEVERITIES)
    yield (
        '<div class="filters"><label>class <select id="class-filter">'
        f'<option value="">all classes</option>{options}</select></label></div>'
    )


def _scenarios(result: DiffResult, scrub: Redactor) -> Iterator[str]:
    grouped: dict[str, dict[str, list[Change]]] = {}
    for change in result.changes:
        grouped.setdefault(change.scenario, {}).setdefault(change.where, []).append(change)
    for by_where in grouped.values():  # most severe first, else in the order found
        for items in by_where.values():
            items.sort(key=lambda c: SEVERITIES.index(c.severity))
    sides = {(scenario, where): (old, new) for scenario, where, old, new in result.exchanges}
    calls: dict[str, list[str]] = {}
    for scenario, where, old, new in result.exchanges:
        item = new if new is not None else old
        status = f" (HTTP {item.status})" if item is not None else ""
        calls.setdefault(scenario, []).append(f"<code>{e(where)}</code>{status}")
    yield f"<h2>Changes by scenario ({len(grouped)})</h2>"
    if not grouped:
        yield "<p>No change.</p>"
    for scenario, by_where in grouped.items():
        changes = [c for items in by_where.values() for c in items]
        yield (
            f'<section class="scenario" data-classes="{_classes(changes)}" '
            f'id="scenario-{e(scenario)}">'
        )
        yield f"<h2><code>{e(scenario)}</code> &middot; {len(changes)} change(s)</h2>"
        for where, items in by_where.items():
            if not where:  # the whole scenario came or went
                yield f'<table class="changes">{_COLUMNS}'
                yield from (_row(c, scrub) for c in items)
                yield "</table>"
                if calls.get(scenario):
                    yield f"<p>calls: {', '.join(calls[scenario])}</p>"
                continue
            yield f'<div class="interaction" data-classes="{_classes(items)}">'
            yield f"<h3><code>{e(where)}</code></h3>"
            yield f'<table class="changes">{_COLUMNS}'
            yield from (_row(c, scrub) for c in items)
            yield "</table>"
            old, new = sides.get((scenario, where), (None, None))
            yield f'<div class="sides">{_side("OLD", old, scrub)}{_side("NEW", new, scrub)}</div>'
            yield "</div>"
        yield "</section>"
    unchanged = [s for s in result.scenarios if s not in grouped]
    if unchanged:
        names = ", ".join(f"<code>{e(s)}</code>" for s in unchanged)
        yield (
            f"<details><summary>{len(unchanged)} scenario(s) without a change</summary>"
            f"<p>{names}</p></details>"
        )


def _classes(changes: list[Change]) -> str:
    return " ".join(s for s in SEVERITIES if any(c.severity == s for c in changes))


def _row(change: Change, scrub: Redactor) -> str:
    severity = change.severity
    return (
        f'<tr class="change {severity}" data-class="{severity}">'
        f'<td><span class="badge">{severity}</span></td>'
        f"<td><code>{e(change.rule)}</code></td>"
        f"<td><code>{e(scrub(change.pointer or '/'))}</code></td>"
        f'<td class="v"><pre>{e(_value(change.old, scrub))}</pre></td>'
        f'<td class="v"><pre>{e(_value(change.new, scrub))}</pre></td>'
        f"<td>{e(scrub(change.message))}</td></tr>"
    )


def _value(value: Any, scrub: Redactor) -> str:
    if value is None:
        return "—"
    shown = redact_json(value)
    text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
    return scrub(text)


def _side(label: str, item: Interaction | None, scrub: Redactor) -> str:
    if item is None:
        return f'<div class="side absent"><h4>{label}</h4><p>not in this recording</p></div>'
    reason = str(item.response.get("status", {}).get("message") or "")
    heading = f"{label} &middot; HTTP {item.status} {e(reason)}".rstrip()
    request = scrub(f"{item.method} {redact_url(item.uri)}")
    return (
        f'<div class="side"><h4>{heading}</h4><pre>{e(request)}</pre>'
        f"<pre>{e(_answer(item, scrub))}</pre></div>"
    )


def _answer(item: Interaction, scrub: Redactor) -> str:
    """The response body (a delivery's: what was delivered), redacted, JSON indented, then cut
    at :data:`_ANSWER_LIMIT`."""
    try:
        raw = item.request_body() if item.delivery is not None else item.response_body()
    except BodyError as exc:
        return scrub(f"({exc})")
    if not raw.strip():
        return "(empty body)"
    try:
        text = json.dumps(redact_json(loads(raw)), indent=2, ensure_ascii=False, default=repr)
    except (ValueError, UnicodeDecodeError):
        text = redact_body(raw)
    text = scrub(text)
    return text if len(text) <= _ANSWER_LIMIT else text[:_ANSWER_LIMIT] + "…"


def _rules(result: DiffResult) -> Iterator[str]:
    used = sorted({c.rule for c in result.changes})
    if not used:
        return
    yield "<h2>Rules</h2><table><tr><th>rule</th><th>class</th><th>why</th></tr>"
    for rule in used:
        severity = RULES[rule].severity
        yield (
            f'<tr class="change {severity}"><td><code>{e(rule)}</code></td>'
            f'<td><span class="badge">{severity}</span></td>'
            f"<td>{e(RULES[rule].rationale)}</td></tr>"
        )
    yield "</table>"
