"""The clock: a live target's timestamps against the run's own clock (``<provider>.clock``).

Only against a live target (the case families that use it never run on a replay):

- a timestamp of something that *just happened* (a charge or session just
  created, a capture just answered) lies within :data:`TOLERANCE` of the run's
  clock; every other timestamp is no later than the run's clock plus it;
- in the zone the documents give: Midtrans ``YYYY-MM-DD HH:MM:SS`` is GMT+7
  (``midtrans.transaction-time-doc``), so a UTC time served as local is seven
  hours early; Pivot's ``...Z`` is UTC (``pivot.timestamps``);
- no zero or placeholder time (before :data:`EPOCH_FLOOR`);
- order: ``createdAt`` <= ``updatedAt``; a capture is not earlier than the
  authorization it captures (Pivot's session ``createdAt``; Midtrans's charge
  ``transaction_time``), nor ``expiry_time``/``settlement_time`` earlier than
  ``transaction_time``.

The tolerance is generous on purpose: a sandbox's clock, the runner's clock and
the network may each be off by seconds; 15 minutes never raises a false alarm
there, yet is 28 times finer than the 7-hour zone mistake and catches every
fixed or placeholder time. Against the simulators, whose clock the scenarios
move, "now" is the target's own simulated clock (``GET /_sim/clock``).

>>> from datetime import datetime, UTC
>>> now = datetime(2026, 1, 30, 4, 30, tzinfo=UTC)
>>> [p.message for p in midtrans_problems({"transaction_time": "2026-01-30 04:30:00"}, now,
...                                        fresh=True)][0][:40]
'transaction_time is 7.0 h before the run'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from .._json import loads
from ._facts import Problem
from ._setup import SetupError

__all__ = [
    "CLOCK_PATH",
    "EPOCH_FLOOR",
    "TOLERANCE",
    "midtrans_problems",
    "move_clock",
    "offers_clock",
    "pivot_problems",
    "target_now",
]

TOLERANCE = timedelta(minutes=15)
#: Any time before this is a zero or placeholder time (both APIs are younger).
EPOCH_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
JAKARTA = timezone(timedelta(hours=7))
_MIDTRANS = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
_PIVOT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")
#: The simulator control API's clock (specs/simulator/openapi.yaml).
CLOCK_PATH = "/_sim/clock"


def offers_clock(client: httpx.Client) -> bool:
    """Whether the target offers the simulator control API's clock."""
    try:
        response = client.get(CLOCK_PATH, headers={"Accept": "application/json"})
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    try:
        body = loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("now"), str)


def move_clock(client: httpx.Client, seconds: float) -> None:
    """Move the target's simulated clock on by *seconds*; :class:`SetupError` if it will not.

    The target's access tokens may have expired with it: the caller's setup forgets its own.
    """
    try:
        response = client.post(CLOCK_PATH, json={"advance": seconds})
    except httpx.HTTPError as exc:
        raise SetupError(f"cannot move the target's clock: {exc}") from None
    if response.status_code != 200:
        raise SetupError(
            f"the target refused to move its clock (POST {CLOCK_PATH}): "
            f"HTTP {response.status_code} {response.text[:200]}"
        )


def target_now(client: httpx.Client) -> datetime:
    """The target's simulated now when it serves ``/_sim/clock``, else the run's clock."""
    try:
        answer = client.get(CLOCK_PATH, headers={"Accept": "application/json"})
        if answer.status_code == 200:
            now = answer.json().get("now")
            if isinstance(now, str):
                moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
                if moment.tzinfo is not None:
                    return moment
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return datetime.now(UTC)


def midtrans_time(text: Any) -> datetime | None:
    match = _MIDTRANS.match(text) if isinstance(text, str) else None
    if match is None:
        return None  # not the documented shape: the schema reports it
    try:
        y, mo, d, h, mi, s = map(int, match.groups())
        return datetime(y, mo, d, h, mi, s, tzinfo=JAKARTA)
    except ValueError:
        return None


def pivot_time(text: Any) -> datetime | None:
    match = _PIVOT.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    *whole, fraction = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        y, mo, d, h, mi, s = map(int, whole)
        return datetime(y, mo, d, h, mi, s, micro, tzinfo=UTC)
    except ValueError:
        return None


def _hours(delta: timedelta) -> str:
    return f"{abs(delta.total_seconds()) / 3600:.1f} h"


def _against_now(
    pointer: str, moment: datetime, text: str, now: datetime, *, fresh: bool, zone: str
) -> Iterator[Problem]:
    if moment < EPOCH_FLOOR:
        yield Problem(pointer, "a real time", text, f"{pointer[1:]} is a zero or placeholder time")
        return
    delta = moment - now
    if delta > TOLERANCE:
        yield Problem(
            pointer, f"no later than the run's clock ({zone}), give or take {TOLERANCE}", text,
            f"{pointer.rsplit('/', 1)[1]} is {_hours(delta)} after the run's clock "
            f"(read as {zone})",
        )  # fmt: skip
    elif fresh and -delta > TOLERANCE:
        yield Problem(
            pointer, f"the run's clock ({zone}), give or take {TOLERANCE}", text,
            f"{pointer.rsplit('/', 1)[1]} is {_hours(delta)} before the run's clock "
            f"(read as {zone}) although it was just made",
        )  # fmt: skip


def midtrans_problems(
    body: dict[str, Any], now: datetime, *, fresh: bool, authorized: datetime | None = None
) -> list[Problem]:
    """Midtrans times: ``transaction_time`` (GMT+7) against *now*; the others after it."""
    found: list[Problem] = []
    moment = midtrans_time(body.get("transaction_time"))
    if moment is None:
        return found
    found += _against_now(
        "/transaction_time", moment, body["transaction_time"], now, fresh=fresh, zone="GMT+7"
    )
    if authorized is not None and moment < authorized:
        found.append(
            Problem("/transaction_time", f"not before the authorization ({authorized})",
                    body["transaction_time"], "transaction_time is before the authorization")
        )  # fmt: skip
    for name in ("expiry_time", "settlement_time"):
        later = midtrans_time(body.get(name))
        if later is not None and later < moment:
            found.append(
                Problem(f"/{name}", f"not before transaction_time {body['transaction_time']}",
                        body[name], f"{name} is before transaction_time")
            )  # fmt: skip
    return found


def _pair(holder: dict[str, Any], where: str, now: datetime, fresh: bool) -> list[Problem]:
    found: list[Problem] = []
    created, updated = pivot_time(holder.get("createdAt")), pivot_time(holder.get("updatedAt"))
    for name, moment in (("createdAt", created), ("updatedAt", updated)):
        if moment is not None:
            found += _against_now(
                f"{where}/{name}", moment, holder[name], now, fresh=fresh, zone="UTC"
            )
    if created is not None and updated is not None and updated < created:
        found.append(
            Problem(f"{where}/updatedAt", f"not before createdAt {holder['createdAt']}",
                    holder["updatedAt"], "updatedAt is before createdAt")
        )  # fmt: skip
    return found


def pivot_problems(
    operation: str, body: dict[str, Any], now: datetime, *, authorized: datetime | None = None
) -> list[Problem]:
    """Pivot times of a capture answer (fresh) or a session (create: fresh; read: not)."""
    data = body.get("data")
    if not isinstance(data, dict) or body.get("code") not in ("00", 0):
        return []
    found = _pair(data, "/data", now, fresh=operation in ("capture", "create-payment"))
    if operation == "capture":
        made = pivot_time(data.get("createdAt"))
        if authorized is not None and made is not None and made < authorized:
            found.append(
                Problem("/data/createdAt", f"not before the authorization ({authorized})",
                        data["createdAt"], "the capture is dated before its authorization")
            )  # fmt: skip
        return found
    authorized = pivot_time(data.get("createdAt")) or authorized
    charges = data.get("chargeDetails")
    for index, charge in enumerate(charges if isinstance(charges, list) else []):
        if not isinstance(charge, dict):
            continue
        where = f"/data/chargeDetails/{index}"
        found += _pair(charge, where, now, fresh=False)
        histories = charge.get("captureHistories")
        for position, entry in enumerate(histories if isinstance(histories, list) else []):
            if not isinstance(entry, dict):
                continue
            at = f"{where}/captureHistories/{position}"
            found += _pair(entry, at, now, fresh=False)
            made = pivot_time(entry.get("createdAt"))
            if authorized is not None and made is not None and made < authorized:
                found.append(
                    Problem(f"{at}/createdAt", "not before the session's createdAt",
                            entry["createdAt"], "a capture is dated before its authorization")
                )  # fmt: skip
    return found
