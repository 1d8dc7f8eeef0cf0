"""Handler checks: the merchant's notification handler, sent every kind of delivery, judged.

The deliveries (a genuine one, a duplicate, a stale one after settlement, forged
or unauthenticated ones, unknown extra fields, a deny / failed outcome) come from
the simulators' own builders (:mod:`._build`). What the handler answers is judged
at once (2xx within the documented time); what it did to the order is read
through *state*, the oracle ``state(order_id) -> anything comparable``. Without
it the checks that need it are reported as skipped.

>>> def handler(environ, start_response):
...     start_response("200 OK", [("Content-Type", "text/plain")])
...     return [b"ok"]
>>> report = check_handler("pivot", handler, callback_key="made-up-callback-key")
>>> [(r.id, r.outcome.value) for r in report.results][:2]
[('pivot.handler.genuine', 'passed'), ('pivot.handler.duplicate', 'passed')]
>>> report.results[3].note
"needs the order's state: give state= (pytest) or --state-url (CLI)"
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from .._constants import PROVIDERS
from ..errors import UsageError
from ..specs import check_choice
from ..suite import CaseResult, Finding, Kind, Outcome, Report
from ._checks import Context, OracleError, all_checks, fresh_order
from ._oracle import reachable, state_from_url

__all__ = ["check_handler", "check_ids", "reachable", "state_from_url"]

#: Where deliveries to an in-process app are addressed (the path is the app's to route).
DEFAULT_PATHS = {"midtrans": "/notifications", "pivot": "/callbacks"}


def check_ids(provider: str) -> list[str]:
    """The case ids :func:`check_handler` reports for *provider*, in order."""
    ctx = Context(provider, "", None, "", None, fresh_order)
    return [case_id for case_id, _ in all_checks(ctx)]


def check_handler(
    provider: str,
    target: Any,
    *,
    state: Callable[[str], Any] | None = None,
    server_key: str | None = None,
    callback_key: str | None = None,
    orders: Callable[[], str] | None = None,
    path: str | None = None,
    skip: Iterable[str] = (),
) -> Report:
    """Send *provider*'s delivery catalogue to *target* (a URL, or an ASGI/WSGI app); a Report.

    Midtrans deliveries are signed with *server_key* (the handler's own); Pivot
    callbacks carry *callback_key*. *orders* makes an order id per check (default:
    made-up ids); *path* addresses an in-process app (default ``/notifications``
    or ``/callbacks``). *skip* leaves out case ids.
    """
    check_choice("provider", provider, PROVIDERS)
    key = server_key if provider == "midtrans" else callback_key
    if not key:
        option = "server_key" if provider == "midtrans" else "callback_key"
        raise UsageError(f"the {provider} handler checks need {option}: the key your handler "
                         "checks deliveries with (a made-up sandbox one is fine)")  # fmt: skip
    if isinstance(target, str):
        url = target
    elif callable(target):
        url = f"http://merchant.invalid{path or DEFAULT_PATHS[provider]}"
    else:
        raise UsageError(f"the handler must be a URL or an ASGI/WSGI app; got {target!r}")
    ctx = Context(provider, key, target, url, state, orders or fresh_order)
    shown = url if isinstance(target, str) else f"{getattr(target, '__name__', 'app')} (in-process)"
    report = Report(provider, shown, "documented", 0, 1)  # examples: 1, as the proxy
    skipped = set(skip)
    started = time.perf_counter()
    for case_id, run in all_checks(ctx):
        if case_id in skipped:
            continue
        began = time.perf_counter()
        try:
            result = run()
        except (OracleError, ValueError) as exc:
            result = _error(case_id, str(exc))
        result.duration = time.perf_counter() - began
        report.results.append(result)
    report.duration = time.perf_counter() - started
    return report


def _error(case_id: str, why: str) -> CaseResult:
    result = CaseResult(case_id, Kind.SCENARIO, case_id.rsplit(".", 1)[-1])
    result.outcome, result.note = Outcome.ERROR, why
    result.findings.append(Finding(check=case_id, message=why))
    return result
