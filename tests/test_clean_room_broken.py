"""The kit detects subtle breakage in implementations it was never tuned on.

Each clean-room server (``tests/clean_room/``, see ``test_clean_room.py``) turns on
exactly one deliberate contract violation when served with
``CLEAN_ROOM_BREAK=<name>``: a commented ``if BREAK == "<name>":`` at the place it
takes effect, each against something the seed pages or a documented fact in
``provider-facts.md`` clearly state. Served that way and checked in the
``documented`` profile, the kit must exit 1 and name the checks that belong to the
break (a scenario, a rule or a stateful check); other findings the break causes on
the way are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_clean_room import HERE, check, serving

#: Hypothesis examples per run: the suite's default, as `capture-conformance run` uses.
EXAMPLES = 10

# break -> the checks that must fail; each is the scenario, rule or stateful check
# that judges what the break violates.
MIDTRANS = {
    "second-capture-accepted": {
        "midtrans.second-capture",
        "midtrans.capture-after-release",
        "midtrans.stateful.capture-after-final",
    },
    "over-capture-accepted": {"midtrans.over-capture", "midtrans.stateful.over-capture"},
    "decimal-amount-accepted": {"midtrans.decimal-amount", "midtrans.decimal-literal-amount"},
    "status-code-number": {"midtrans.capture-response.status-code"},
    "capture-status-settlement": {
        "midtrans.full-capture",
        "midtrans.partial-capture",
        "midtrans.capture-amount-omitted",
    },
    "gross-amount-minor-units": {
        "midtrans.stateful.status-agrees",
        "midtrans.full-capture",
        "midtrans.partial-capture",
        "midtrans.capture-amount-omitted",
    },
    "gross-amount-number": {"midtrans.capture-response.gross-amount"},
    "transaction-time-utc-iso": {"midtrans.capture-response.transaction-time"},
    "masked-card-6-4": {"midtrans.capture-response.masked-card"},
    "transaction-id-is-order-id": {
        "midtrans.capture-response.transaction-id-echo",
        "midtrans.full-capture",
    },
    "status-still-authorize": {
        "midtrans.status-after-capture",
        "midtrans.partial-capture",
        "midtrans.stateful.status-agrees",
    },
    "any-server-key-accepted": {"midtrans.wrong-credentials"},
    "unknown-id-success": {"midtrans.unknown-id"},
    "errors-as-http-400": {"midtrans.response.http-status"},
}

PIVOT = {
    "capture-status-captured": {"pivot.capture-response.status", "pivot.full-capture"},
    "over-capture-accepted": {"pivot.over-capture", "pivot.stateful.over-capture"},
    "capture-after-release-accepted": {"pivot.capture-after-release", "pivot.stateful.transition"},
    "session-id-is-charge-id": {"pivot.capture-response.session-id-echo"},
    "release-echo-false": {"pivot.capture-response.release-echo", "pivot.capture-after-release"},
    "amount-echo-session-amount": {"pivot.capture-response.amount-echo", "pivot.partial-capture"},
    "error-without-error-object": {
        "pivot.error.error",
        "pivot.missing-fields",
        "pivot.missing-credentials",
        "pivot.unknown-id",
    },
    "error-with-data": {"pivot.error.data"},
    "validation-error-type-gateway": {
        "pivot.error.http-code",
        "pivot.missing-fields",
        "pivot.over-capture",
    },
    "unknown-id-success": {"pivot.unknown-id"},
    "history-misses-last-capture": {
        "pivot.status-after-capture",
        "pivot.partial-capture",
        "pivot.stateful.status-agrees",
    },
    "captured-amount-doubled": {"pivot.status-after-capture", "pivot.stateful.over-capture"},
    "timestamps-without-zone": {
        "pivot.capture-response.created-at",
        "pivot.capture-response.updated-at",
        "pivot.capture-history.created-at",
    },
    "non-uuid-id-accepted": {"pivot.malformed-id"},
    "unverified-jwt-accepted": {"pivot.wrong-credentials"},
}


def declared_breaks(app: str) -> tuple[str, ...]:
    """The ``BREAKS`` tuple of a clean-room server, read from its source."""
    tree = ast.parse((HERE / app).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BREAKS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{app} declares no BREAKS")


@pytest.mark.parametrize(
    ("app", "expected"), [("midtrans_app.py", MIDTRANS), ("pivot_app.py", PIVOT)]
)
def test_every_break_of_the_servers_is_checked(app, expected) -> None:
    assert sorted(declared_breaks(app)) == sorted(expected)


@pytest.mark.parametrize("name", sorted(MIDTRANS))
def test_the_kit_detects_a_broken_clean_room_midtrans(tmp_path: Path, name: str) -> None:
    with serving("midtrans_app.py", CLEAN_ROOM_BREAK=name) as url:
        code, failed, text = check("midtrans", url, "documented", tmp_path, EXAMPLES)
    assert code == 1, text[-4000:]
    assert MIDTRANS[name] <= failed, (sorted(failed), text[-4000:])


@pytest.mark.parametrize("name", sorted(PIVOT))
def test_the_kit_detects_a_broken_clean_room_pivot(tmp_path: Path, name: str) -> None:
    with serving("pivot_app.py", CLEAN_ROOM_BREAK=name, PIVOT_CAPTURE_SETTLE_SECONDS="0") as url:
        code, failed, text = check("pivot", url, "documented", tmp_path, EXAMPLES)
    assert code == 1, text[-4000:]
    assert PIVOT[name] <= failed, (sorted(failed), text[-4000:])
