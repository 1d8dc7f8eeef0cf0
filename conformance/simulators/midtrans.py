"""A reference simulator of the Midtrans Core API sandbox: token, charge, status and capture.

Behaviour follows the Capture page (the seed), the Midtrans section of
``provider-facts.md`` and ``specs/midtrans/DECISIONS.md``. Where those are
silent the simulator chooses, and says so in the docstring concerned:

* malformed JSON in a POST body answers body ``"413"`` (the catalogue's
  "malformed syntax in request body");
* an authorization expires 7 days after it was made, and ``expiry_time`` shows
  that same instant;
* a capture moves the transaction to ``capture`` once: the rest of a partial
  capture is released, and every later capture answers ``"412"``;
* captured transactions settle at the next 19:00 Jakarta time (``settlement_time``);
* ``Idempotency-Key`` memory is per server key and endpoint; only bodies with
  status_code ``"200"`` are remembered, for 5 minutes of simulated time, and a
  replay ignores the body it came with;
* every Luhn-valid, unexpired card with a 3-4 digit CVV tokenises; only the
  sandbox deny card 4911 1111 1111 1113 is denied by the bank; tokens do not
  time out but are spent by the first charge that uses them;
* an order_id can be charged once, whatever the outcome (406 afterwards);
* unknown request fields and the Content-Type/Accept headers are not checked:
  the kit's validator reports those on the client side;
* notifications (``notification_url``, ``X-Override-Notification`` /
  ``X-Append-Notification``) are signed with the server key of the charge that
  made the transaction; their body and URL rules are in ``_midtrans_notify``.

>>> sim = MidtransSimulator(http_status="always-200")
>>> sim.error_response(412).status_code, sim.error_response(412).body[:20]
(200, b'{"status_code":"412"')
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import _midtrans_bodies as bodies
from . import _midtrans_notify as notify
from . import quirks as _quirks
from ._control import Simulator
from ._deliveries import MIDTRANS_RETRIES, Message
from ._midtrans_keys import basic_user, check_key, key_ok
from ._midtrans_model import (
    DENIED_CARDS,
    IDEMPOTENCY_WINDOW,
    Token,
    Transaction,
    money,
    parse_capture,
    parse_card,
    parse_charge,
    parse_json,
)
from ._quirk_answers import bend
from ._race import RACE_QUIRK, RaceWindow, json_field

__all__ = ["HTTP_STATUS_MODES", "MidtransSimulator"]

HTTP_STATUS_MODES = ("mirror", "always-200")
SERVER_KEY_PREFIX = "SB-Mid-server-"
CLIENT_KEY_PREFIX = "SB-Mid-client-"

_Outcome = dict[str, Any] | Response
# (server key of the request, its notification headers as (mode, URLs) or None)
_Routing = tuple[str, tuple[str, list[str]] | None]


class MidtransSimulator(Simulator):
    """The Midtrans Core API sandbox, in memory.

    *server_key* / *client_key* pin the only accepted keys; left out, any sandbox
    key (``SB-Mid-server-…`` / ``SB-Mid-client-…``) is accepted. *http_status*
    ``"mirror"`` serves every answer with the HTTP status equal to its body
    ``status_code``; ``"always-200"`` serves every provider answer with HTTP 200
    (both are observed on the real API). *seed* makes ids repeatable.
    *notification_url* receives a signed notification after each authorization,
    capture, settlement, expiry and deny (see also :meth:`deliver_to`).
    """

    provider: ClassVar[str] = "midtrans"
    retry_policy = MIDTRANS_RETRIES
    forgeries = ("forged-signature",)
    suppressing_quirk = "no-notification"
    forge = staticmethod(notify.forge)

    def __init__(
        self,
        *,
        server_key: str | None = None,
        client_key: str | None = None,
        http_status: str = "mirror",
        quirk: str | None = None,
        seed: int = 0,
        notification_url: str | None = None,
    ) -> None:
        check_key("server_key", server_key, SERVER_KEY_PREFIX)
        check_key("client_key", client_key, CLIENT_KEY_PREFIX)
        if http_status not in HTTP_STATUS_MODES:
            raise ValueError(
                f"http_status must be 'mirror' (HTTP status = body status_code) or 'always-200' "
                f"(HTTP 200 for every answer); got {http_status!r}"
            )
        available = _quirks.names(self.provider)
        if quirk is not None and quirk not in available:
            raise ValueError(
                f"unknown midtrans quirk {quirk!r}; choose one of: {', '.join(available)} "
                "(or None for a conformant simulator)"
            )
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, e.g. seed=0; got {seed!r}")
        self.server_key = server_key
        self.client_key = client_key
        self.http_status = http_status
        self._seed = seed
        self._tokens: dict[str, Token] = {}
        self._transactions: dict[str, Transaction] = {}
        self._orders: dict[str, str] = {}
        self._remembered: dict[tuple[str, str, str], tuple[datetime, Response]] = {}
        self._random = random.Random(seed)
        # Per transaction: notification headers ("override"/"append", URLs), signing key.
        self._routes: dict[str, tuple[str, list[str]]] = {}
        self._signing: dict[str, str] = {}
        self._race = RaceWindow()  # the "capture-race-window" quirk
        super().__init__(quirk=quirk, seed=seed)
        if notification_url is not None:
            self.deliver_to(notification_url)

    # -- the Simulator contract -----------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v2/token", self._token, methods=["GET"]),
            Route("/v2/charge", self._charge, methods=["POST"]),
            Route("/v2/capture", self._capture, methods=["POST"]),
            Route("/v2/{transaction_id}/status", self._status, methods=["GET"]),
        ]

    def error_response(self, status: int, message: str | None = None) -> Response:
        """A Midtrans error body (``status_code``, ``status_message``, trace ``id``)."""
        return self._error(status, message)

    def reset_state(self) -> None:
        """Forget tokens, transactions, order ids and idempotency keys; ids restart from *seed*."""
        self._tokens.clear()
        self._transactions.clear()
        self._orders.clear()
        self._remembered.clear()
        self._routes.clear()
        self._signing.clear()
        self._random = random.Random(self._seed)

    def state(self) -> dict[str, Any]:
        """Transactions (amounts, status at the simulated now, UTC times), tokens, live keys."""
        now = self.clock.now()
        for tx in self._transactions.values():
            tx.refresh(now)
        return {
            "http_status": self.http_status,
            "server_key_pinned": self.server_key is not None,
            "transactions": [tx.snapshot() for tx in self._transactions.values()],
            "tokens": [t.snapshot() for t in self._tokens.values()],
            "idempotency_keys": sum(1 for at, _ in self._remembered.values() if at > now),
        }

    # -- endpoints ------------------------------------------------------------------
    async def _token(self, request: Request) -> Response:
        """``GET /v2/token``: a single-use token for a Luhn-valid, unexpired card."""
        query = request.query_params
        if not self._client_key_ok(query.get("client_key")):
            return self._error(401)
        number, messages = parse_card(query, self.clock.now())
        if messages:
            return self._error(400, None, messages)
        token_id = f"{number[:6]}-{number[-4:]}-{self._uuid()}"
        self._tokens[token_id] = Token(token_id, number, self.clock.now())
        return self._answer(
            {
                "status_code": "200",
                "status_message": "Credit card token is created as Token ID.",
                "token_id": token_id,
                "hash": f"{number[:6]}-{number[-4:]}-{self._uuid()[:8]}",
            }
        )

    async def _charge(self, request: Request) -> Response:
        """``POST /v2/charge``: a card sale, or with ``type: authorize`` a pre-authorization.

        400 for invalid fields, 406 for a used order_id, 411 for a missing,
        unknown or spent token; test card 4911 1111 1111 1113 is denied by the
        bank (body "202", ``transaction_status: deny``).
        """
        raw = await request.body()
        return self._post(request, raw, self._do_charge)

    async def _capture(self, request: Request) -> Response:
        """``POST /v2/capture``: capture all (no gross_amount) or part of an authorization.

        400 for invalid fields (decimal, zero or negative amounts included), 404
        for an unknown transaction_id, 412 when the transaction is not in
        ``authorize`` or the amount exceeds what was authorized.
        """
        raw = await request.body()
        if self.quirk != RACE_QUIRK:
            return self._post(request, raw, self._do_capture)
        act = lambda: self._post(request, raw, self._do_capture)  # noqa: E731
        return await self._race.run(json_field(raw, "transaction_id"), act)

    async def _status(self, request: Request) -> Response:
        """``GET /v2/{transaction_id}/status`` (an order_id is accepted too)."""
        if self._server_identity(request.headers) is None:
            return self._error(401)
        ident = request.path_params["transaction_id"]
        tx = self._transactions.get(ident) or self._transactions.get(self._orders.get(ident, ""))
        if tx is None:
            return self._error(404, "Transaction doesn't exist.")
        tx.refresh(self.clock.now())
        body = bodies.status_body(tx)
        if self.quirk == "status-not-updated" and tx.status == "capture":
            body["transaction_status"] = "authorize"
        if self.quirk == "settlement-amount-changed" and tx.status == "settlement":
            body["gross_amount"] = money(tx.authorized_amount)  # the captured amount is lost
        bodies.quirk_identity(body, self.quirk)
        return self._answer(body)

    # -- POST machinery ---------------------------------------------------------------
    def _post(
        self, request: Request, raw: bytes, action: Callable[[Any, _Routing], _Outcome]
    ) -> Response:
        # Called after the body is read: from here to the return nothing awaits, so
        # checking and changing a transaction is atomic on the event loop.
        identity = self._server_identity(request.headers)
        if identity is None:
            return self._error(401)
        try:
            route = notify.parse_url_headers(request.headers)
        except ValueError as exc:
            return self._error(400, None, [str(exc)])
        now = self.clock.now()
        key = request.headers.get("idempotency-key")
        if key is not None and not key.strip():
            return self._error(400, None, ["Idempotency-Key must not be empty"])
        slot = (identity, request.url.path, key) if key else None
        if slot is not None:
            remembered = self._remembered.get(slot)
            if remembered is not None and remembered[0] > now:
                return _copy(remembered[1])
        try:
            document = parse_json(raw)
        except ValueError:
            return self._error(413)
        outcome = action(document, (identity, route))
        if isinstance(outcome, Response):
            return outcome
        response = self._answer(outcome)
        if slot is not None and str(outcome.get("status_code")) == "200":
            self._remembered = {k: v for k, v in self._remembered.items() if v[0] > now}
            self._remembered[slot] = (now + IDEMPOTENCY_WINDOW, _copy(response))
        return response

    def _do_charge(self, document: Any, routing: _Routing) -> _Outcome:
        charge, messages = parse_charge(document)
        if charge is None:
            return self._error(400, None, messages)
        if charge.order_id in self._orders:
            return self._error(406)
        token = self._tokens.get(charge.token_id or "")
        if token is None or token.used:
            return self._error(411)
        token.used = True
        now = self.clock.now()
        denied = token.card_number in DENIED_CARDS
        tx = Transaction(
            transaction_id=self._uuid(),
            order_id=charge.order_id,
            card_number=token.card_number,
            bank=charge.bank or "bni",
            channel=charge.channel,
            authorized_amount=charge.gross_amount,
            created_at=now,
            status="deny" if denied else "authorize",
            approval_code=None if denied else str(self._random.randrange(10**12, 10**13)),
            pre_authorized=charge.authorize,
        )
        if not denied and not charge.authorize:
            tx.capture(charge.gross_amount, now)  # a sale is authorized and captured at once
        self._transactions[tx.transaction_id] = tx
        self._orders[tx.order_id] = tx.transaction_id
        self._route(tx.transaction_id, routing, charge=True)
        return bodies.denied_body(tx) if denied else bodies.charged_body(tx)

    def _do_capture(self, document: Any, routing: _Routing) -> _Outcome:
        decimals = self.quirk == "decimal-amount-accepted"
        transaction_id, amount, messages = parse_capture(document, allow_decimal=decimals)
        if messages:
            return self._error(400, None, messages)
        tx = self._transactions.get(transaction_id)
        if tx is None:
            return self._error(500 if self.quirk == "unknown-id-500" else 404)
        now = self.clock.now()
        tx.refresh(now)
        again = self.quirk == "double-capture-accepted" and tx.status in ("capture", "settlement")
        if tx.status != "authorize" and not (again or self._race.stale):
            return self._error(412)
        amount = tx.authorized_amount if amount is None else amount
        over = self.quirk == "over-capture-accepted" or self._race.stale
        if amount > tx.authorized_amount and not over:
            if self.quirk == "refused-capture-applied":
                tx.capture(tx.authorized_amount, now)
            return self._error(412)
        tx.capture(amount, now)
        self._route(tx.transaction_id, routing, charge=False)
        body = bodies.capture_body(tx, amount)
        other = self._uuid() if self.quirk == "transaction-id-echo" else tx.transaction_id
        bodies.quirk_capture_body(body, self.quirk, tx, amount, other)
        status = 201 if self.quirk == "capture-created-201" else None  # else: by body
        return JSONResponse(body, status_code=201) if status else bend(self.quirk, body)

    # -- notifications ------------------------------------------------------------------
    def _route(self, transaction_id: str, routing: _Routing, *, charge: bool) -> None:
        identity, route = routing
        if charge:
            self._signing[transaction_id] = identity
        if route is not None:
            self._routes[transaction_id] = route

    def delivery_enabled(self) -> bool:
        return bool(self._routes) or super().delivery_enabled()

    def delivery_statuses(self) -> Iterable[tuple[str, str]]:
        now = self.clock.now()
        everyone = self.outbox.enabled
        for tid, tx in self._transactions.items():
            if everyone or tid in self._routes:
                tx.refresh(now)
                yield tid, tx.status

    def delivery_message(self, subject: str, status: str | None) -> Message:
        tx = self._transactions[subject]
        tx.refresh(self.clock.now())
        key = self.server_key or self._signing.get(subject) or f"{SERVER_KEY_PREFIX}simulator"
        return notify.notification(tx, key, status, self.quirk)

    def delivery_urls(self, subject: str) -> list[str]:
        mode, urls = self._routes.get(subject, ("append", []))
        return list(urls) if mode == "override" else [*super().delivery_urls(subject), *urls]

    def delivery_subject(self, ident: str) -> str:
        tid = ident if ident in self._transactions else self._orders.get(ident)
        if tid is None:
            raise ValueError(f"unknown transaction or order id {ident!r}")
        return tid

    # -- answers ----------------------------------------------------------------------
    def _answer(self, body: dict[str, Any]) -> Response:
        return JSONResponse(body, status_code=self._http(int(body["status_code"])))

    def _error(
        self, status: int, message: str | None = None, validation: list[str] | None = None
    ) -> Response:
        text = message or bodies.default_message(status)
        body = bodies.error_body(status, text, self._uuid(), validation)
        http = 500 if self.quirk == "http-status-contradiction" else self._http(status)
        if self.quirk == "error-without-message":
            del body["status_message"]
        if self.quirk == "html-errors":
            page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1>"
            return HTMLResponse(f"{page}<p>{text}</p></body></html>", status_code=http)
        return JSONResponse(body, status_code=http)

    def _http(self, status: int) -> int:
        return 200 if self.http_status == "always-200" else status

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    # -- credentials ------------------------------------------------------------------
    def _server_identity(self, headers: Headers) -> str | None:
        """The server key of an accepted ``Authorization`` header, ``None`` if refused."""
        user = basic_user(headers.get("authorization"))
        if self.quirk == "bad-key-accepted":
            return user or ""
        if user is None or not key_ok(user, self.server_key, SERVER_KEY_PREFIX):
            return None
        return user

    def _client_key_ok(self, key: str | None) -> bool:
        if self.quirk == "bad-key-accepted":
            return True
        return key is not None and key_ok(key, self.client_key, CLIENT_KEY_PREFIX)


def _copy(response: Response) -> Response:
    return Response(response.body, status_code=response.status_code, media_type="application/json")
