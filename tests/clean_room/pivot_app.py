"""Independent in-memory implementation of the Pivot Payment sandbox endpoints
needed for "manual-capture card payment, then capture".

Written only from the Pivot Capture doc page and the Pivot section of the
provider facts. Run:  python pivot_impl.py PORT   (serves on 127.0.0.1:PORT)

Endpoints:
  POST /v1/access-token
  POST /v2/payments
  GET  /v2/payments/{id}
  POST /v2/payments/{id}/capture
  POST /v2/payments/{id}/cancel

Captures are asynchronous: the capture answer is always PENDING; a capture
settles (becomes SUCCESS and updates the session/charge) once it is older than
PIVOT_CAPTURE_SETTLE_SECONDS (default 0.5 s), evaluated lazily whenever the
session is touched by any request.

CLEAN_ROOM_BREAK=<name> turns on one deliberate contract violation (default: none),
for tests/test_clean_room_broken.py; see BREAKS below.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from decimal import Decimal, InvalidOperation

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOKEN_TTL_SECONDS = 900
SETTLE_SECONDS = float(os.environ.get("PIVOT_CAPTURE_SETTLE_SECONDS", "0.5"))

FRICTIONLESS_CARD = "4440000112200001"
THREE_DS_CARD = "4440000112290002"

SESSION_FINAL = {"CANCELLED", "EXPIRED", "INACTIVE", "PAID"}

# Deliberate contract violations, one at a time, so the kit's tests can prove it
# detects them; each is a commented `if BREAK == "<name>":` where it takes effect.
BREAK = os.environ.get("CLEAN_ROOM_BREAK", "")
BREAKS = (
    "capture-status-captured",
    "over-capture-accepted",
    "capture-after-release-accepted",
    "session-id-is-charge-id",
    "release-echo-false",
    "amount-echo-session-amount",
    "error-without-error-object",
    "error-with-data",
    "validation-error-type-gateway",
    "unknown-id-success",
    "history-misses-last-capture",
    "captured-amount-doubled",
    "timestamps-without-zone",
    "non-uuid-id-accepted",
    "unverified-jwt-accepted",
)
if BREAK and BREAK not in BREAKS:
    raise SystemExit(f"unknown CLEAN_ROOM_BREAK {BREAK!r}")

LOCK = threading.RLock()
TOKENS = {}  # token -> {"merchant": str, "expires": float}
SESSIONS = {}  # session id -> session dict (internal form)
IDEMPOTENCY = {}  # (merchant, request id) -> {"hash": str, "status": int, "body": bytes}

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,36}$")
CURRENCY_RE = re.compile(r"^[A-Za-z]{1,3}$")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def now_ts(ns=None):
    """RFC 3339 UTC timestamp with nine fractional digits."""
    if ns is None:
        ns = time.time_ns()
    secs, frac = divmod(ns, 1_000_000_000)
    if BREAK == "timestamps-without-zone":
        # BREAK: no time zone (the docs: YYYY-MM-DDTHH:MM:SSZ, in UTC).
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09d" % frac
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09dZ" % frac


def uuid7():
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def trace_id():
    return secrets.token_hex(16)


def money_out(d):
    """Serialize a Decimal amount as an int when integral, else a float."""
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(status, payload):
    return Response(dumps(payload), status_code=status, media_type="application/json")


def ok(data, status=200):
    return json_response(status, {"code": "00", "message": "Success", "data": data})


ERROR_MESSAGES = {
    400: "Request validation failed",
    401: "Invalid credentials",
    404: "Resource not found",
    409: "Conflicting request",
    422: "Request cannot be processed in the current state",
}


def error(status, code, etype, details, message=None):
    body = {
        "code": code,
        "message": message or ERROR_MESSAGES.get(status, "Error"),
        "error": {
            "type": etype,
            "details": [{"field": f, "message": m} for f, m in details],
            "traceId": trace_id(),
        },
    }
    if BREAK == "error-without-error-object":
        # BREAK: the error envelope's `error` object is left out.
        del body["error"]
    if BREAK == "error-with-data":
        # BREAK: an error answer carries `data` (the docs: error responses carry no data).
        body["data"] = None
    return json_response(status, body)


def validation(status, field, msg):
    # On /v2 routes 400 and 422 errors carry code api_validation_error.
    if BREAK == "validation-error-type-gateway":
        # BREAK: validation errors typed GATEWAY_ERROR (the table: API_ERROR).
        return error(status, "api_validation_error", "GATEWAY_ERROR", [(field, msg)])
    return error(status, "api_validation_error", "API_ERROR", [(field, msg)])


def unauthorized(msg="access token is invalid or expired"):
    return error(401, "credentials_invalid", "API_ERROR", [("Authorization", msg)])


def not_found(field="id", msg="payment not found"):
    return error(404, "not_found", "GATEWAY_ERROR", [(field, msg)])


def authenticate(request):
    header = request.headers.get("authorization", "")
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].strip():
        return None
    tok = parts[1].strip()
    with LOCK:
        info = TOKENS.get(tok)
        if BREAK == "unverified-jwt-accepted" and info is None:
            # BREAK: a token the server never issued is accepted for its (unverified)
            # JWT payload's `sub` (a wrong token must get 401).
            try:
                payload = tok.split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                return claims["sub"]
            except (IndexError, ValueError, KeyError, TypeError):
                return None
        if info is None:
            return None
        if info["expires"] <= time.time():
            TOKENS.pop(tok, None)
            return None
        return info["merchant"]


async def read_json(request):
    raw = await request.body()
    if not raw.strip():
        return None, "request body is required"
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError):
        return None, "request body is not valid JSON"


def parse_amount(obj, field="amount"):
    """Validate the Amount object shape. Returns (Decimal value, currency, error)
    where error is (http status, field, message) or None."""
    if not isinstance(obj, dict):
        return None, None, (400, field, "amount must be an object")
    value = obj.get("value")
    currency = obj.get("currency")
    if value is None:
        return None, None, (400, field + ".value", "value is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, None, (400, field + ".value", "value must be a number")
    if currency is None:
        return None, None, (400, field + ".currency", "currency is required")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        return (
            None,
            None,
            (400, field + ".currency", "currency must be an ISO 4217 code of 1-3 characters"),
        )
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        return None, None, (400, field + ".value", "value must be a number")
    if not dec.is_finite():
        return None, None, (400, field + ".value", "value must be a number")
    if len(str(value)) > 18:
        return None, None, (400, field + ".value", "value must be at most 18 characters")
    return dec, currency.upper(), None


# --------------------------------------------------------------------------
# session model
# --------------------------------------------------------------------------


def settle(session):
    """Settle every pending capture that is old enough (lazy asynchrony)."""
    charge = session["charge"]
    changed = False
    for cap in charge["captures"]:
        if cap["status"] != "PENDING":
            continue
        if time.time() - cap["created_mono"] < SETTLE_SECONDS:
            break  # keep order: later captures settle after earlier ones
        ts = now_ts()
        cap["status"] = "SUCCESS"
        cap["updatedAt"] = ts
        charge["captured"] += cap["value"] if cap["value"] is not None else Decimal(0)
        if BREAK == "captured-amount-doubled" and cap["value"] is not None:
            # BREAK: a settled capture is counted twice: capturedAmount exceeds what
            # was captured, and the authorized amount.
            charge["captured"] += cap["value"]
        charge["updatedAt"] = ts
        session["updatedAt"] = ts
        changed = True
        if cap["release"] or charge["captured"] >= charge["authorized"]:
            if charge["captured"] > 0:
                session["status"] = "PAID"
                charge["status"] = "SUCCESS"
            else:
                session["status"] = "CANCELLED"
                charge["status"] = "FAILED"
        else:
            # partial capture without release: still awaiting capture,
            # unless another pending capture already closes the charge
            if not any(c["status"] == "PENDING" and c["closes"] for c in charge["captures"]):
                charge["status"] = "WAITING_FOR_CAPTURE"
    return changed


def charge_view(session):
    ch = session["charge"]
    currency = session["currency"]
    return {
        "id": ch["id"],
        "paymentSessionId": session["id"],
        "paymentSessionClientReferenceId": session["clientReferenceId"],
        "amount": {"value": money_out(session["value"]), "currency": currency},
        "status": ch["status"],
        "paymentMethod": session["paymentMethodView"],
        "captureMethod": session["captureMethod"],
        "authorizedAmount": money_out(ch["authorized"]),
        "capturedAmount": money_out(ch["captured"]),
        "isCaptured": ch["captured"] > 0,
        "captureHistories": [
            {
                "captureId": c["id"],
                "currency": currency,
                "capturedAmount": money_out(c["value"]) if c["value"] is not None else 0,
                "releaseRemainingAmount": c["release"],
                "status": c["status"],
                "createdAt": c["createdAt"],
                "updatedAt": c["updatedAt"],
            }
            for c in ch["captures"]
        ],
        "actions": ch.get("actions", []),
        "createdAt": ch["createdAt"],
        "updatedAt": ch["updatedAt"],
    }


def session_view(session):
    view = {
        "id": session["id"],
        "clientReferenceId": session["clientReferenceId"],
        "amount": {"value": money_out(session["value"]), "currency": session["currency"]},
        "status": session["status"],
        "paymentType": session["paymentType"],
        "mode": session["mode"],
        "paymentMethod": session["paymentMethodView"],
        "paymentMethodOptions": session["paymentMethodOptions"],
        "chargeDetails": [charge_view(session)],
        "createdAt": session["createdAt"],
        "updatedAt": session["updatedAt"],
    }
    for key, val in session["extras"].items():
        view.setdefault(key, val)
    return view


ECHO_FIELDS = (
    "customer",
    "orderInformation",
    "metadata",
    "statementDescriptor",
    "description",
    "successReturnUrl",
    "failureReturnUrl",
    "expiryReturnUrl",
    "autoConfirm",
)


def build_session(body):
    """Validate a create-payment body. Returns (session, None) or (None, response)."""
    if not isinstance(body, dict):
        return None, validation(400, "body", "request body must be a JSON object")
    ref = body.get("clientReferenceId")
    if not isinstance(ref, str) or not ref.strip():
        return None, validation(400, "clientReferenceId", "clientReferenceId is required")
    if len(ref) > 100:
        return None, validation(400, "clientReferenceId", "clientReferenceId is too long")
    if "amount" not in body:
        return None, validation(400, "amount", "amount is required")
    value, currency, err = parse_amount(body.get("amount"))
    if err:
        return None, validation(*err)
    if value <= 0:
        return None, validation(400, "amount.value", "amount value must be greater than 0")
    if currency == "IDR" and value != value.to_integral_value():
        return None, validation(
            400, "amount.value", "amount value is not permitted to use decimal format"
        )

    payment_type = body.get("paymentType", "SINGLE")
    if payment_type not in ("SINGLE", "REUSABLE"):
        return None, validation(400, "paymentType", "paymentType must be SINGLE or REUSABLE")
    mode = body.get("mode", "API")
    if mode not in ("API", "REDIRECT"):
        return None, validation(400, "mode", "mode must be API or REDIRECT")

    pm = body.get("paymentMethod")
    if not isinstance(pm, dict) or not isinstance(pm.get("type"), str) or not pm.get("type"):
        return None, validation(400, "paymentMethod.type", "paymentMethod.type is required")
    pm_type = pm["type"].upper()

    pmo = body.get("paymentMethodOptions")
    if pmo is None:
        pmo = {}
    if not isinstance(pmo, dict):
        return None, validation(
            400, "paymentMethodOptions", "paymentMethodOptions must be an object"
        )
    capture_method = None
    card_view = None
    if pm_type == "CARD":
        card_opts = pmo.get("card") or {}
        if not isinstance(card_opts, dict):
            return None, validation(
                400, "paymentMethodOptions.card", "card options must be an object"
            )
        capture_method = card_opts.get("captureMethod", "automatic")
        if capture_method not in ("automatic", "manual"):
            return None, validation(
                400,
                "paymentMethodOptions.card.captureMethod",
                "captureMethod must be automatic or manual",
            )
        card = pm.get("card")
        if not isinstance(card, dict):
            return None, validation(400, "paymentMethod.card", "card is required for CARD payments")
        number = card.get("number")
        if not isinstance(number, str) or not re.fullmatch(r"\d{12,19}", number):
            return None, validation(400, "paymentMethod.card.number", "card number is invalid")
        exp_m = card.get("expMonth")
        exp_y = card.get("expYear")
        if isinstance(exp_m, str) and exp_m.isdigit():
            exp_m = int(exp_m)
        if isinstance(exp_y, str) and exp_y.isdigit():
            exp_y = int(exp_y)
        if isinstance(exp_m, bool) or not isinstance(exp_m, int) or not 1 <= exp_m <= 12:
            return None, validation(400, "paymentMethod.card.expMonth", "expMonth is invalid")
        if isinstance(exp_y, bool) or not isinstance(exp_y, int) or exp_y < 2000:
            return None, validation(400, "paymentMethod.card.expYear", "expYear is invalid")
        cvc = card.get("cvc")
        if cvc is not None and (not isinstance(cvc, str) or not re.fullmatch(r"\d{3,4}", cvc)):
            return None, validation(400, "paymentMethod.card.cvc", "cvc is invalid")
        card_view = {
            "maskedNumber": number[:6] + "*" * (len(number) - 10) + number[-4:],
            "expMonth": exp_m,
            "expYear": exp_y,
        }
        pmo_view = {"card": dict(card_opts, captureMethod=capture_method)}
    else:
        pmo_view = pmo

    ts = now_ts()
    session = {
        "id": str(uuid.uuid4()),
        "clientReferenceId": ref,
        "value": value,
        "currency": currency,
        "paymentType": payment_type,
        "mode": mode,
        "paymentMethodType": pm_type,
        "paymentMethodView": {"type": pm_type, **({"card": card_view} if card_view else {})},
        "paymentMethodOptions": pmo_view,
        "captureMethod": capture_method,
        "extras": {k: body[k] for k in ECHO_FIELDS if k in body},
        "createdAt": ts,
        "updatedAt": ts,
        "charge": {
            "id": uuid7(),
            "authorized": Decimal(0),
            "captured": Decimal(0),
            "captures": [],
            "createdAt": ts,
            "updatedAt": ts,
        },
    }
    charge = session["charge"]
    if pm_type != "CARD":
        session["status"] = "ACTIVE"
        charge["status"] = "WAITING_FOR_USER_ACTION"
    elif pm["card"]["number"] == THREE_DS_CARD:
        session["status"] = "REQUIRE_ACTION"
        charge["status"] = "WAITING_FOR_AUTHENTICATION"
        charge["actions"] = [
            {
                "type": "REDIRECT",
                "url": "https://sandbox.invalid/3ds/" + charge["id"],
                "method": "GET",
            }
        ]
    else:
        # FRICTIONLESS_CARD (and any other well-formed number) authorizes at once.
        charge["authorized"] = value
        if capture_method == "manual":
            session["status"] = "PROCESSING"
            charge["status"] = "WAITING_FOR_CAPTURE"
        else:
            session["status"] = "PAID"
            charge["status"] = "SUCCESS"
            charge["captured"] = value
    return session, None


# --------------------------------------------------------------------------
# handlers
# --------------------------------------------------------------------------


async def access_token(request: Request):
    merchant = (request.headers.get("x-merchant-id") or "").strip()
    secret = (request.headers.get("x-merchant-secret") or "").strip()
    if not merchant or not secret:
        return error(
            401,
            "credentials_invalid",
            "API_ERROR",
            [
                (
                    "X-MERCHANT-ID" if not merchant else "X-MERCHANT-SECRET",
                    "merchant credentials are required",
                )
            ],
        )
    body, err = await read_json(request)
    if err:
        return validation(400, "body", err)
    if not isinstance(body, dict):
        return validation(400, "body", "request body must be a JSON object")
    if body.get("grantType") != "client_credentials":
        return validation(400, "grantType", "grantType must be client_credentials")
    now = int(time.time())

    def b64(obj):
        return base64.urlsafe_b64encode(dumps(obj)).rstrip(b"=").decode()

    token = ".".join(
        [
            b64({"alg": "HS256", "typ": "JWT"}),
            b64(
                {
                    "sub": merchant,
                    "iat": now,
                    "exp": now + TOKEN_TTL_SECONDS,
                    "jti": str(uuid.uuid4()),
                }
            ),
            base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
        ]
    )
    with LOCK:
        TOKENS[token] = {"merchant": merchant, "expires": time.time() + TOKEN_TTL_SECONDS}
    return ok({"accessToken": token, "expiresIn": str(TOKEN_TTL_SECONDS), "tokenType": "Bearer"})


async def create_payment(request: Request):
    merchant = authenticate(request)
    if merchant is None:
        return unauthorized()
    request_id = request.headers.get("x-request-id")
    if not request_id:
        return validation(400, "X-REQUEST-ID", "X-REQUEST-ID header is required")
    if not REQUEST_ID_RE.match(request_id):
        return validation(400, "X-REQUEST-ID", "X-REQUEST-ID must be 16-36 alphanumeric characters")
    raw = await request.body()
    body_hash = hashlib.sha256(raw).hexdigest()
    key = (merchant, request_id)
    with LOCK:
        prior = IDEMPOTENCY.get(key)
    if prior is not None:
        if prior["hash"] != body_hash:
            return error(
                409,
                "idempotency_error",
                "API_ERROR",
                [("X-REQUEST-ID", "X-REQUEST-ID was already used with a different request body")],
            )
        return Response(prior["body"], status_code=prior["status"], media_type="application/json")
    body, err = await read_json(request)
    if err:
        return validation(400, "body", err)
    session, resp = build_session(body)
    if resp is not None:
        return resp
    session["merchant"] = merchant
    payload = dumps({"code": "00", "message": "Success", "data": session_view(session)})
    with LOCK:
        prior = IDEMPOTENCY.get(key)
        if prior is not None:  # lost a race with an identical request
            return Response(
                prior["body"], status_code=prior["status"], media_type="application/json"
            )
        SESSIONS[session["id"]] = session
        IDEMPOTENCY[key] = {"hash": body_hash, "status": 200, "body": payload}
    return Response(payload, status_code=200, media_type="application/json")


def lookup(merchant, sid):
    session = SESSIONS.get(sid.lower())
    if session is None or session["merchant"] != merchant:
        return None
    return session


async def get_payment(request: Request):
    merchant = authenticate(request)
    if merchant is None:
        return unauthorized()
    sid = request.path_params["id"]
    if not UUID_RE.match(sid):
        return validation(400, "id", "id must be a valid UUID")
    with LOCK:
        session = lookup(merchant, sid)
        if session is None:
            return not_found()
        settle(session)
        view = session_view(session)
        if BREAK == "history-misses-last-capture":
            # BREAK: the latest capture is missing from captureHistories.
            del view["chargeDetails"][0]["captureHistories"][-1:]
        return ok(view)


async def capture_payment(request: Request):
    merchant = authenticate(request)
    if merchant is None:
        return unauthorized()
    sid = request.path_params["id"]
    if BREAK == "non-uuid-id-accepted" and not UUID_RE.match(sid):
        # BREAK: a path id that is not a UUID (no session) is answered as a capture.
        ts = now_ts()
        return ok(
            {
                "id": uuid7(),
                "paymentSessionId": sid,
                "paymentSessionClientReferenceId": sid,
                "releaseRemainingAmount": False,
                "amount": None,
                "status": "PENDING",
                "createdAt": ts,
                "updatedAt": ts,
            }
        )
    if not UUID_RE.match(sid):
        return validation(400, "id", "id must be a valid UUID")

    body, err = await read_json(request)
    if err:
        return validation(400, "body", err)
    if not isinstance(body, dict):
        return validation(400, "body", "request body must be a JSON object")
    if "releaseRemainingAmount" not in body or body["releaseRemainingAmount"] is None:
        return validation(400, "releaseRemainingAmount", "releaseRemainingAmount is required")
    release = body["releaseRemainingAmount"]
    if not isinstance(release, bool):
        return validation(400, "releaseRemainingAmount", "releaseRemainingAmount must be a boolean")
    amount_obj = body.get("amount")
    value = currency = None
    if amount_obj is not None:
        value, currency, aerr = parse_amount(amount_obj)
        if aerr:
            return validation(*aerr)
    elif not release:
        return validation(422, "amount", "amount is required when releaseRemainingAmount is false")
    if value is not None:
        if value <= 0:
            return validation(422, "amount.value", "amount value must be greater than 0")
        if currency == "IDR" and value != value.to_integral_value():
            return validation(
                422, "amount.value", "amount value is not permitted to use decimal format"
            )

    with LOCK:
        session = lookup(merchant, sid)
        if BREAK == "unknown-id-success" and session is None:
            # BREAK: a capture of an unknown payment session is answered with code "00".
            ts = now_ts()
            return ok(
                {
                    "id": uuid7(),
                    "paymentSessionId": sid,
                    "paymentSessionClientReferenceId": sid,
                    "releaseRemainingAmount": release,
                    "amount": amount_obj,
                    "status": "PENDING",
                    "createdAt": ts,
                    "updatedAt": ts,
                }
            )
        if session is None:
            return not_found()
        settle(session)
        charge = session["charge"]
        if session["paymentMethodType"] != "CARD":
            return validation(422, "paymentMethod.type", "payment method type is not CARD")
        if session["captureMethod"] != "manual":
            return validation(422, "captureMethod", "capture method must be manual")
        if BREAK == "capture-after-release-accepted" and any(
            c["release"] for c in charge["captures"]
        ):
            # BREAK: releaseRemainingAmount true did not end the session: the released
            # remainder can still be captured.
            session["status"], charge["status"] = "PROCESSING", "WAITING_FOR_CAPTURE"
        if session["status"] in SESSION_FINAL:
            return validation(422, "status", "payment is already in a final status")
        if charge["status"] != "WAITING_FOR_CAPTURE":
            return validation(
                422, "chargeDetails.status", "charge status must be WAITING_FOR_CAPTURE"
            )
        if value is not None and currency != session["currency"]:
            return validation(400, "amount.currency", "currency is not match")
        committed = sum(
            (
                c["value"]
                for c in charge["captures"]
                if c["status"] in ("PENDING", "SUCCESS") and c["value"] is not None
            ),
            Decimal(0),
        )
        if BREAK == "over-capture-accepted":
            pass  # BREAK: more than was authorized is accepted.
        elif value is not None and committed + value > charge["authorized"]:
            return validation(400, "amount.value", "capture amount exceeds authorized amount")

        ns = time.time_ns()
        ts = now_ts(ns)
        closes = release or (value is not None and committed + value >= charge["authorized"])
        cap = {
            "id": uuid7(),
            "value": value,
            "release": release,
            "closes": closes,
            "status": "PENDING",
            "createdAt": ts,
            "updatedAt": ts,
            "created_mono": time.time(),
        }
        charge["captures"].append(cap)
        if closes:
            # the charge is being finalised; no further capture is accepted
            charge["status"] = "PROCESSING"
        charge["updatedAt"] = ts
        session["updatedAt"] = ts
        data = {
            "id": cap["id"],
            "paymentSessionId": session["id"],
            "paymentSessionClientReferenceId": session["clientReferenceId"],
            "releaseRemainingAmount": release,
            "amount": (
                {"value": money_out(value), "currency": session["currency"]}
                if value is not None
                else None
            ),
            "status": "PENDING",
            "createdAt": ts,
            "updatedAt": ts,
        }
        if BREAK == "capture-status-captured":
            # BREAK: a capture status outside PENDING | SUCCESS | FAILED.
            data["status"] = "CAPTURED"
        if BREAK == "session-id-is-charge-id":
            # BREAK: data.paymentSessionId is the charge id, not the path's session id.
            data["paymentSessionId"] = charge["id"]
        if BREAK == "release-echo-false":
            # BREAK: releaseRemainingAmount is not echoed: always false.
            data["releaseRemainingAmount"] = False
        if BREAK == "amount-echo-session-amount" and value is not None:
            # BREAK: data.amount is the session's amount, not the captured amount.
            data["amount"] = {"value": money_out(session["value"]), "currency": currency}
        if SETTLE_SECONDS <= 0:
            settle(session)
    return ok(data)


async def cancel_payment(request: Request):
    merchant = authenticate(request)
    if merchant is None:
        return unauthorized()
    sid = request.path_params["id"]
    if not UUID_RE.match(sid):
        return validation(400, "id", "id must be a valid UUID")
    with LOCK:
        session = lookup(merchant, sid)
        if session is None:
            return not_found()
        settle(session)
        charge = session["charge"]
        if session["status"] in SESSION_FINAL:
            return validation(422, "status", "payment is already in a final status")
        if any(c["status"] == "PENDING" for c in charge["captures"]) or charge["captured"] > 0:
            return validation(
                422, "chargeDetails.status", "payment has captures and cannot be cancelled"
            )
        ts = now_ts()
        session["status"] = "CANCELLED"
        charge["status"] = "FAILED"
        session["updatedAt"] = charge["updatedAt"] = ts
        return ok(session_view(session))


async def http_error(request: Request, exc: HTTPException):
    if exc.status_code == 405:
        return error(
            405,
            "method_not_allowed",
            "API_ERROR",
            [("method", "method not allowed")],
            message="Method not allowed",
        )
    if exc.status_code == 404:
        return error(404, "not_found", "GATEWAY_ERROR", [("path", "route not found")])
    return error(
        exc.status_code,
        "internal_error",
        "GATEWAY_ERROR",
        [("request", str(exc.detail))],
        message="Error",
    )


async def server_error(request: Request, exc: Exception):
    return error(
        500,
        "internal_error",
        "GATEWAY_ERROR",
        [("server", "unexpected error")],
        message="Internal server error",
    )


app = Starlette(
    routes=[
        Route("/v1/access-token", access_token, methods=["POST"]),
        Route("/v2/payments", create_payment, methods=["POST"]),
        Route("/v2/payments/{id}", get_payment, methods=["GET"]),
        Route("/v2/payments/{id}/capture", capture_payment, methods=["POST"]),
        Route("/v2/payments/{id}/cancel", cancel_payment, methods=["POST"]),
    ],
    exception_handlers={HTTPException: http_error, Exception: server_error},
)


if __name__ == "__main__":
    import uvicorn

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
