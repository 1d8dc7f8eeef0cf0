"""Reaching authorized transactions through the providers' own setup flows.

Midtrans: ``GET /v2/token`` with the sandbox test card, then ``POST /v2/charge``
with ``type: authorize``. Pivot: ``POST /v1/access-token``, then a manual-capture
card payment session. The same code works against the simulators, the live
sandboxes and any implementation offering those endpoints. Where a person must
authorize (3DS), ``--authorizations FILE`` supplies ids made beforehand.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConformanceError, InputError
from ._results import Exchange
from ._target import Target

__all__ = [
    "DEFAULT_AMOUNT",
    "Authorization",
    "Setup",
    "SetupError",
    "load_authorizations",
]

DEFAULT_AMOUNT = 100_000
#: The largest amount an authorizations file may give: a signed 64-bit integer, what the
#: providers' amount fields hold (JSON numbers past it lose precision in most clients).
MAX_AMOUNT = 2**63 - 1
MIDTRANS_CARD = {
    "card_number": "4811 1111 1111 1114",
    "card_exp_month": "12",
    "card_exp_year": "2039",
    "card_cvv": "123",
}
PIVOT_CARD = {"number": "4440000112200001", "expMonth": 12, "expYear": 2039, "cvc": "123"}
Record = Callable[[Exchange], None]


class SetupError(ConformanceError):
    """The target refused the setup flow (credentials, endpoints): the suite cannot run."""


@dataclass(frozen=True)
class Authorization:
    """An authorized, not yet captured transaction (Midtrans) or payment session (Pivot)."""

    id: str
    amount: int
    currency: str = "IDR"


def load_authorizations(path: str) -> list[Authorization]:
    """Read ``[{"id": ..., "amount": ..., "currency": "IDR"}, ...]`` from a JSON or YAML file.

    Every entry needs a non-empty ``id`` and a whole, positive ``amount`` (not
    ``true``, not ``1.9``: an amount the kit would round is not the one authorized).
    Anything else is an :class:`InputError` of one line naming the file.
    """
    try:
        raw = yaml.safe_load(Path(path).read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read authorizations file {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"authorizations file {path!r} is not UTF-8 text") from None
    except (yaml.YAMLError, RecursionError, ValueError):
        raise InputError(f"authorizations file {path!r} is not JSON or YAML") from None
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise InputError(f"authorizations file {path!r} must hold a list of objects")
    wanted = (
        f"each entry of {path!r} needs an id and a whole amount from 1 to {MAX_AMOUNT}, e.g. "
        '{"id": "be4f3e44-...", "amount": 100000}'
    )
    found = []
    for entry in raw:
        given, amount, currency = entry.get("id"), entry.get("amount"), entry.get("currency", "IDR")
        if not isinstance(given, str | int) or isinstance(given, bool) or not str(given).strip():
            raise InputError(wanted)
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InputError(wanted)
        if not 1 <= amount <= MAX_AMOUNT or not isinstance(currency, str):
            raise InputError(wanted)
        found.append(Authorization(str(given), amount, currency))
    return found


class Setup:
    """Authorizations and auth headers for one target; every exchange goes to *record*."""

    def __init__(self, target: Target, authorizations: list[Authorization] | None = None) -> None:
        self.target = target
        self._given: Iterator[Authorization] | None = (
            iter(authorizations) if authorizations is not None else None
        )
        self._token: tuple[str, float] | None = None
        #: Authorizations asked for, and how many of those a given list could not supply.
        self.asked = 0
        self.missing = 0
        self.given = 0 if authorizations is None else len(authorizations)
        self._counter = itertools.count(1)
        # Time plus randomness: two setups (processes, xdist workers, fixtures) started in
        # the same millisecond must not reuse an order id, which Midtrans refuses (406).
        self._run = f"{int(time.time() * 1000):x}{secrets.token_hex(3)}"

    @property
    def provider(self) -> str:
        return self.target.provider

    def auth_headers(self, record: Record) -> dict[str, str]:
        """The headers a correctly authenticated API call carries."""
        if self.provider == "midtrans":
            return {"Authorization": self.target.credentials.basic}
        return {"Authorization": f"Bearer {self.access_token(record)}"}

    def authorize(self, record: Record, amount: int = DEFAULT_AMOUNT) -> Authorization | None:
        """A fresh authorization of *amount*; ``None`` when a given list is used up."""
        self.asked += 1
        if self._given is not None:
            found = next(self._given, None)
            if found is None:
                self.missing += 1
            return found
        if self.provider == "midtrans":
            return self._midtrans(record, amount)
        return self._pivot(record, amount)

    def reference(self) -> str:
        """A unique order / client reference id for this run."""
        return f"kit-{self._run}-{next(self._counter)}"

    def request_id(self) -> str:
        """A unique Pivot ``X-REQUEST-ID`` (alphanumeric, 16-36 characters)."""
        return f"kit{self._run}{next(self._counter):010d}"[:36]

    # -- Midtrans ---------------------------------------------------------------------
    def _midtrans(self, record: Record, amount: int) -> Authorization:
        params = {**MIDTRANS_CARD, "client_key": self.target.credentials.client_key}
        token = self._call(record, "token", "GET", "/v2/token", params=params)
        charge = self._call(
            record,
            "charge",
            "POST",
            "/v2/charge",
            body={
                "payment_type": "credit_card",
                "transaction_details": {"order_id": self.reference(), "gross_amount": amount},
                "credit_card": {"token_id": _field(token, "token_id"), "type": "authorize"},
            },
            headers={"Authorization": self.target.credentials.basic},
        )
        if charge.get("transaction_status") != "authorize":
            raise SetupError(
                "the charge with type 'authorize' did not leave the transaction in "
                f"'authorize' (got {charge.get('transaction_status')!r})"
            )
        return Authorization(_field(charge, "transaction_id"), amount)

    # -- Pivot ------------------------------------------------------------------------
    def forget_token(self) -> None:
        """Drop the cached Pivot access token (e.g. after the target's clock moved on)."""
        self._token = None

    def access_token(self, record: Record) -> str:
        now = time.monotonic()
        if self._token is None or self._token[1] <= now:
            credentials = self.target.credentials
            answer = self._call(
                record,
                "access-token",
                "POST",
                "/v1/access-token",
                body={"grantType": "client_credentials"},
                headers={
                    "X-MERCHANT-ID": credentials.client_id,
                    "X-MERCHANT-SECRET": credentials.client_secret,
                },
            )
            data = _data(answer)
            token = _field(data, "accessToken")
            expires = str(data.get("expiresIn", ""))
            lifetime = int(expires) if expires.isdigit() else 900
            # Renew well before expiry: a run must never fail on its own stale token.
            self._token = (token, now + max(lifetime - 60, lifetime / 2))
        return self._token[0]

    def _pivot(self, record: Record, amount: int) -> Authorization:
        bearer = self.auth_headers(record)
        answer = self._call(
            record,
            "create-payment",
            "POST",
            "/v2/payments",
            body={
                "clientReferenceId": self.reference(),
                "amount": {"value": amount, "currency": "IDR"},
                "paymentType": "SINGLE",
                "mode": "API",
                "paymentMethod": {"type": "CARD", "card": PIVOT_CARD},
                "paymentMethodOptions": {"card": {"captureMethod": "manual"}},
            },
            headers={**bearer, "X-REQUEST-ID": self.request_id()},
        )
        return Authorization(_field(_data(answer), "id"), amount)

    # -- shared -------------------------------------------------------------------------
    def _call(
        self,
        record: Record,
        operation: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        request = self.target.request(method, path, json=body, params=params, headers=headers)
        exchange = self.target.send(operation, request)
        record(exchange)
        if exchange.response is None:
            raise SetupError(f"{method} {path} failed: {exchange.error}")
        answer = exchange.json()
        if exchange.status != 200 or not isinstance(answer, dict):
            shown = exchange.response.text[:200] if answer is None else json.dumps(answer)[:200]
            raise SetupError(
                f"setup call {method} {path} was refused: HTTP {exchange.status} {shown}"
            )
        code = answer.get("status_code", answer.get("code"))
        if code not in ("200", "201", "00"):
            raise SetupError(f"setup call {method} {path} was refused: {json.dumps(answer)[:200]}")
        return answer


def _data(answer: dict[str, Any]) -> dict[str, Any]:
    data = answer.get("data")
    return data if isinstance(data, dict) else {}


def _field(answer: dict[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise SetupError(f"the setup answer has no {name!r}: {json.dumps(answer)[:200]}")
    return value
