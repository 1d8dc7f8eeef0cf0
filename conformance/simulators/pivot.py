"""A stateful reference simulator of Pivot Payment's card capture API.

>>> sim = PivotSimulator(settle="immediate")
>>> sim.provider, sim.settle
('pivot', 'immediate')
>>> PivotSimulator(settle="later")
Traceback (most recent call last):
...
ValueError: settle must be 'immediate' or 'delayed'; got 'later'

Routes: ``POST /v1/access-token``, ``POST /v2/payments`` (card sessions),
``GET /v2/payments/{id}``, ``POST /v2/payments/{id}/capture``, plus the
``/_sim/`` control API of :class:`~conformance.simulators.Simulator`.

Behaviour where the documents are silent, decided here:

- Captures answer ``PENDING``. With ``settle="delayed"`` a capture becomes
  ``SUCCESS`` in ``captureHistories`` once ``settle_delay`` simulated seconds
  have passed (evaluated lazily whenever the session is read); with
  ``settle="immediate"`` the history shows ``SUCCESS`` at once while the answer
  still says ``PENDING``, as Pivot's capture answers normally do.
- A capture that leaves nothing to capture (everything reserved, or the
  remainder released) moves the charge to ``PROCESSING`` until its captures
  settle; then the session is ``PAID`` (something captured) or ``CANCELLED``.
- A release without an amount is recorded as a capture of 0 (it has a capture
  id the client can follow in ``captureHistories``) and answers
  ``amount: {"value": 0, "currency": <session currency>}``;
  ``amount_null_echo=True`` answers the observed ``amount: null`` instead (both
  pass both profiles).
- An unknown session id on capture answers the observed 422 "payment not found"
  (the documented profile expects 404 ``resource_missing``; both bodies
  validate). ``GET /v2/payments/{id}`` of an unknown id answers 404
  ``resource_missing``. Sessions are visible to the merchant that created them only.
- Cards: ``4440000112290002`` asks for 3DS (``REQUIRE_ACTION``); every other
  card number or token authorizes frictionless, like ``4440000112200001``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import _pivot_callbacks as callbacks
from . import _pivot_model as model
from ._control import Simulator
from ._deliveries import PIVOT_RETRIES, Message
from ._pivot_callbacks import DEFAULT_CALLBACK_KEY, SETTLE_MODES, check_options
from ._pivot_capture import check_capturable, exceeds
from ._pivot_errors import PivotError, envelope
from ._pivot_model import NS, Capture, Charge, Ids, Session, capture_answer, epoch_ns
from ._pivot_requests import REQUEST_ID, UUID, parse_capture, parse_create
from ._pivot_requests import parse_json as _parse_json
from ._quirk_answers import bend
from ._race import RACE_QUIRK, RaceWindow

__all__ = ["FRICTIONLESS_CARD", "SETTLE_MODES", "THREE_DS_CARD", "TOKEN_LIFETIME", "PivotSimulator"]

TOKEN_LIFETIME = 900
FRICTIONLESS_CARD = "4440000112200001"
THREE_DS_CARD = "4440000112290002"

Handler = Callable[[Request, bytes], Response]


class PivotSimulator(Simulator):
    """Pivot's sandbox for card capture, as an ASGI app (``sim.app``).

    *client_id* / *client_secret* pin the merchant credentials (default: any
    non-empty pair); *settle* and *settle_delay* say when a ``PENDING`` capture
    becomes ``SUCCESS``; *amount_null_echo* answers ``amount: null`` (observed)
    to a capture without an amount; *quirk* switches on one deliberate
    non-conformance of :mod:`~conformance.simulators.quirks`; *seed* makes ids,
    tokens and injected fault rates repeatable. *callback_url* receives a
    callback on every session status change, with ``X-API-Key: <callback_key>``
    (default :data:`~._pivot_callbacks.DEFAULT_CALLBACK_KEY`).
    """

    provider = "pivot"
    retry_policy = PIVOT_RETRIES
    forgeries = ("wrong-key", "missing-key")
    delivery_path = "/callbacks"
    suppressing_quirk = "no-callback"
    forge = staticmethod(callbacks.forge)

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        settle: str = "delayed",
        settle_delay: float = 2.0,
        amount_null_echo: bool = False,
        quirk: str | None = None,
        seed: int = 0,
        callback_url: str | None = None,
        callback_key: str | None = None,
    ) -> None:
        options = (client_id, client_secret, settle, settle_delay, amount_null_echo, seed)
        check_options(*options, callback_key=callback_key)
        self.client_id = client_id
        self.client_secret = client_secret
        self.settle = settle
        self.settle_delay = float(settle_delay)
        self.amount_null_echo = amount_null_echo
        self._ids = Ids(seed)
        self._sessions: dict[str, Session] = {}
        self._tokens: dict[str, tuple[str, int]] = {}
        self._request_ids: dict[tuple[str, str], str] = {}
        self._last_ns = 0
        self._race = RaceWindow()  # the "capture-race-window" quirk
        self.callback_key = callback_key or DEFAULT_CALLBACK_KEY
        super().__init__(quirk=quirk, seed=seed)
        if callback_url is not None:
            self.deliver_to(callback_url)

    # -- Simulator ------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/access-token", self._endpoint(self._access_token), methods=["POST"]),
            Route("/v2/payments", self._endpoint(self._create), methods=["POST"]),
            Route("/v2/payments/{id}", self._endpoint(self._get), methods=["GET"]),
            Route("/v2/payments/{id}/capture", self._endpoint(self._capture), methods=["POST"]),
        ]

    def error_response(self, status: int, message: str | None = None) -> Response:
        """The documented envelope for *status*; *message* becomes ``error.details[0].message``."""
        return self._refuse(PivotError(status, message or ""))

    def _refuse(self, exc: PivotError) -> Response:
        if self.quirk == "html-errors":
            page = f"<html><body><h1>{exc.status}</h1><p>{exc.message}</p></body></html>"
            return HTMLResponse(page, status_code=exc.status)
        body = envelope(
            exc.status,
            trace_id=self._ids.trace_id(),
            detail=exc.message or None,
            field=exc.field,
            code=exc.code,
            quirk=self.quirk,
        )
        return JSONResponse(body, status_code=exc.status)

    def reset_state(self) -> None:
        self._ids.reset()
        self._sessions.clear()
        self._tokens.clear()
        self._request_ids.clear()
        self._last_ns = 0

    def state(self) -> dict[str, Any]:
        """Sessions, charges and captures (settled up to now), and the number of live tokens."""
        now = self._now_ns()
        sessions = list(self._sessions.values())
        for session in sessions:
            self._settle(session, now)
        return {
            "sessions": [s.state_json() for s in sessions],
            "charges": [s.charge_json() for s in sessions],
            "captures": [c.state_json(s.id) for s in sessions for c in s.charge.captures],
            "tokens": sum(1 for _, expires in self._tokens.values() if self._live(expires, now)),
        }

    # -- callbacks ------------------------------------------------------------------
    def delivery_statuses(self) -> Iterable[tuple[str, str]]:
        if self.outbox.enabled:
            now = self._now_ns()
            for session in self._sessions.values():
                self._settle(session, now)
                yield session.id, session.status

    def delivery_message(self, subject: str, status: str | None) -> Message:
        session = self._sessions[subject]
        self._settle(session, self._now_ns())
        return callbacks.callback(session, self.callback_key, status, self.quirk)

    def delivery_subject(self, ident: str) -> str:
        if ident.lower() in self._sessions:
            return ident.lower()
        raise ValueError(f"unknown payment session {ident!r}")

    # -- plumbing -------------------------------------------------------------------
    def _endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()

            # The handler is synchronous: no await can interleave another request
            # between its reads and writes of the state (the concurrency guarantee).
            def act() -> Response:
                try:
                    return handler(request, raw)
                except PivotError as exc:
                    return self._refuse(exc)

            if self.quirk == RACE_QUIRK and request.url.path.endswith("/capture"):
                return await self._race.run(request.url.path.lower(), act)  # checks, waits, acts
            return act()

        return endpoint

    def _settle(self, session: Session, now_ns: int) -> None:
        model.settle(session, now_ns, empty_pays=self.quirk == "release-ends-paid")

    def _now_ns(self) -> int:
        return epoch_ns(self.clock.now())

    def _stamp_ns(self) -> int:
        """An event time: the clock plus nanosecond digits, strictly increasing."""
        self._last_ns = max(self._now_ns() + self._ids.jitter(), self._last_ns + 1)
        return self._last_ns

    def _live(self, expires_ns: int, now_ns: int) -> bool:
        return self.quirk == "expired-token-accepted" or now_ns < expires_ns

    def _merchant(self, request: Request) -> str:
        """The merchant of the request's bearer token; 401 unless it is known and unexpired."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise PivotError(401, "Authorization must be 'Bearer <access token>'", "Authorization")
        entry = self._tokens.get(token)
        if entry is None:
            raise PivotError(401, "access token is invalid", "Authorization")
        merchant, expires = entry
        if not self._live(expires, self._now_ns()):
            raise PivotError(401, "access token is expired", "Authorization")
        return merchant

    def _path_id(self, request: Request) -> str:
        session_id: str = request.path_params["id"]
        if not UUID.fullmatch(session_id):
            if self.quirk == "non-uuid-id-404":
                raise PivotError(404, "payment not found", "id")
            raise PivotError(400, "id must be a UUID", "id")
        return session_id

    def _find(self, merchant: str, session_id: str) -> Session | None:
        session = self._sessions.get(session_id.lower())
        return session if session is not None and session.merchant == merchant else None

    def _success(self, data: Any, *, integer_code: bool = False) -> JSONResponse:
        return JSONResponse(
            {"code": 0 if integer_code else "00", "message": "Success", "data": data}
        )

    def _check_body(self, operation: str, body: Any) -> None:
        """Refuse a body the documented contract calls invalid, naming the first field."""
        found = self.request_violations(operation, body)
        if found:
            first = found[0]
            field = first.pointer.strip("/").replace("/", ".") or "body"
            raise PivotError(400, f"{field}: {first.message}", field)

    # -- POST /v1/access-token ----------------------------------------------------------
    def _access_token(self, request: Request, raw: bytes) -> Response:
        merchant = request.headers.get("x-merchant-id", "")
        secret = request.headers.get("x-merchant-secret", "")
        if (
            not merchant
            or not secret
            or (self.client_id is not None and merchant != self.client_id)
            or (self.client_secret is not None and secret != self.client_secret)
        ):
            raise PivotError(401, "X-MERCHANT-ID or X-MERCHANT-SECRET is invalid", "X-MERCHANT-ID")
        self._check_body("access-token", _parse_json(raw))
        issued = self._stamp_ns()
        now = self._now_ns()
        # Expired tokens are forgotten, so a long-running simulator does not grow without end.
        self._tokens = {t: e for t, e in self._tokens.items() if self._live(e[1], now)}
        token = self._ids.token(merchant, issued, TOKEN_LIFETIME)
        self._tokens[token] = (merchant, issued + TOKEN_LIFETIME * NS)
        return self._success(
            {"accessToken": token, "expiresIn": str(TOKEN_LIFETIME), "tokenType": "Bearer"}
        )

    # -- POST /v2/payments ------------------------------------------------------------
    def _create(self, request: Request, raw: bytes) -> Response:
        merchant = self._merchant(request)
        request_id = request.headers.get("x-request-id")
        if request_id is None or not REQUEST_ID.fullmatch(request_id):
            raise PivotError(
                400, "X-REQUEST-ID is required: 16 to 36 letters and digits", "X-REQUEST-ID"
            )
        body = _parse_json(raw)
        self._check_body("create-payment", body)
        known = self._request_ids.get((merchant, request_id))
        if known is not None:
            session = self._sessions[known]
            if session.request_body != body:
                raise PivotError(
                    409,
                    "X-REQUEST-ID was already used with a different request body",
                    "X-REQUEST-ID",
                    code="idempotency_error",
                )
            self._settle(session, self._now_ns())
            return self._success(session.json(hide_captures=self.quirk == "history-not-updated"))
        req = parse_create(raw)
        now = self._stamp_ns()
        status, charge_status, authorized, auto_captured = model.initial_status(req, THREE_DS_CARD)
        session = Session(
            id=self._ids.uuid4(),
            merchant=merchant,
            request_id=request_id,
            request_body=body,
            client_reference_id=req.client_reference_id,
            value=req.amount.value,
            currency=req.amount.currency,
            payment_type=req.payment_type,
            mode=req.mode,
            method_type=req.method_type,
            capture_method=req.capture_method,
            status=status,
            charge=Charge(
                id=self._ids.uuid4(),
                status=charge_status,
                authorized=authorized,
                created_ns=now,
                updated_ns=now,
                auto_captured=auto_captured,
            ),
            created_ns=now,
            updated_ns=now,
        )
        self._sessions[session.id] = session
        self._request_ids[(merchant, request_id)] = session.id
        return self._success(session.json())

    # -- GET /v2/payments/{id} --------------------------------------------------------
    def _get(self, request: Request, raw: bytes) -> Response:
        merchant = self._merchant(request)
        session = self._find(merchant, self._path_id(request))
        if session is None:
            raise PivotError(404, "payment not found", "id", code="resource_missing")
        self._settle(session, self._now_ns())
        return self._success(session.json(hide_captures=self.quirk == "history-not-updated"))

    # -- POST /v2/payments/{id}/capture -----------------------------------------------
    def _capture(self, request: Request, raw: bytes) -> Response:
        """Checks in the order of the facts' observed capture errors, then records the capture."""
        merchant = self._merchant(request)
        path_id = self._path_id(request)
        self._check_body("capture", _parse_json(raw))
        req = parse_capture(raw)
        if not req.release and req.amount is None:
            raise PivotError(
                422, "amount is required when releaseRemainingAmount is false", "amount"
            )
        if req.amount is not None and req.amount.value <= 0:
            raise PivotError(422, "amount value must be greater than 0", "amount.value")
        session = self._find(merchant, path_id)
        if session is None:
            raise PivotError(422, "payment not found", "id")
        self._settle(session, self._now_ns())
        charge = session.charge
        value = check_capturable(session, req, self.quirk, self._race.stale)
        authorized = charge.authorized if charge.authorized is not None else Decimal(0)
        if exceeds(session, value, self.quirk, self._race.stale):
            if self.quirk == "refused-capture-applied" and charge.reserved() < authorized:
                self._record_capture(session, authorized - charge.reserved(), req.release)
            raise PivotError(400, "capture amount exceeds authorized amount", "amount")
        capture = self._record_capture(session, value, req.release)
        data = capture_answer(
            session,
            capture,
            path_id=path_id,
            release=req.release,
            raw_amount=req.raw_amount,
            updated_ns=self._stamp_ns(),
            null_echo=self.amount_null_echo,
            quirk=self.quirk,
            other_id=self._ids.uuid4,
        )
        answer = self._success(data, integer_code=self.quirk == "code-integer")
        if self.quirk == "capture-accepted-202":
            answer.status_code = 202
        return bend(self.quirk, answer)

    def _record_capture(self, session: Session, value: Decimal, release: bool) -> Capture:
        """Add a capture of *value* to *session*'s charge and move the charge on."""
        at = self._stamp_ns()
        capture_id = self._ids.uuid7(at)
        if self.quirk == "capture-id-not-uuid":  # the hex of a UUID, without its hyphens
            capture_id = capture_id.replace("-", "")
        capture = Capture.new(capture_id, value, session.currency, release, at)
        capture.due_ns += 0 if self.settle == "immediate" else round(self.settle_delay * NS)
        model.add_capture(session, capture, settled=capture.due_ns == at)
        self._settle(session, self._now_ns())
        return capture
