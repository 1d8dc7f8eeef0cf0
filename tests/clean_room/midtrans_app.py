"""Independent in-memory implementation of the Midtrans Core API sandbox endpoints
needed for card "authorize then capture".

Written only from the Midtrans capture doc page and the Midtrans section of the
shared provider facts.  Endpoints:

    GET  /v2/token                    card tokenisation (client key in query)
    POST /v2/charge                   credit_card charge, type authorize | sale
    POST /v2/capture                  capture an authorized transaction
    GET  /v2/{transaction_id}/status  transaction status (order_id also accepted)
    POST /v2/{transaction_id}/cancel  cancel (authorize|capture -> cancel)

Run:  python midtrans_impl.py PORT

Environment knobs (all optional):
    MIDTRANS_IMPL_HTTP_MODE        "mirror" (default): error HTTP status == body status_code
                                   "legacy": body 402/404/406/413 are served with HTTP 200
                                   (the behaviour listed in Midtrans's Dec 2022 notice)
    MIDTRANS_IMPL_SETTLE_SECONDS   delay between capture and settlement (default 300)
    MIDTRANS_IMPL_AUTH_EXPIRY_SECONDS  authorization lifetime (default 8 days, as the
                                   capture page's expiry_time says)
    MIDTRANS_IMPL_TOKEN_TTL_SECONDS    card token lifetime (default 600)
    CLEAN_ROOM_BREAK               one deliberate contract violation, by name (default: none),
                                   for tests/test_clean_room_broken.py; see the BREAKS below
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# --------------------------------------------------------------------------- config

JAKARTA = timezone(timedelta(hours=7))
HTTP_MODE = os.environ.get("MIDTRANS_IMPL_HTTP_MODE", "mirror").strip().lower()
SETTLE_SECONDS = float(os.environ.get("MIDTRANS_IMPL_SETTLE_SECONDS", "300"))
AUTH_EXPIRY_SECONDS = float(os.environ.get("MIDTRANS_IMPL_AUTH_EXPIRY_SECONDS", str(8 * 24 * 3600)))
TOKEN_TTL_SECONDS = float(os.environ.get("MIDTRANS_IMPL_TOKEN_TTL_SECONDS", "600"))
IDEMPOTENCY_TTL_SECONDS = 300.0  # documented: successful responses remembered 5 minutes

SERVER_KEY_PREFIX = "SB-Mid-server-"
CLIENT_KEY_PREFIX = "SB-Mid-client-"

# Sandbox test card that the bank declines (observed in public integration guides).
DENIED_CARDS = {"4911111111111113"}

ORDER_ID_RE = re.compile(r"^[A-Za-z0-9\-_.~]{1,50}$")

LEGACY_HTTP200_CODES = {402, 404, 406, 413}

# Deliberate contract violations, one at a time, so the kit's tests can prove it
# detects them; each is a commented `if BREAK == "<name>":` where it takes effect.
BREAK = os.environ.get("CLEAN_ROOM_BREAK", "")
BREAKS = (
    "second-capture-accepted",
    "over-capture-accepted",
    "decimal-amount-accepted",
    "status-code-number",
    "capture-status-settlement",
    "gross-amount-minor-units",
    "gross-amount-number",
    "transaction-time-utc-iso",
    "masked-card-6-4",
    "transaction-id-is-order-id",
    "status-still-authorize",
    "any-server-key-accepted",
    "unknown-id-success",
    "errors-as-http-400",
)
if BREAK and BREAK not in BREAKS:
    raise SystemExit(f"unknown CLEAN_ROOM_BREAK {BREAK!r}")


def now() -> datetime:
    return datetime.now(JAKARTA)


def fmt_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M:%S")


def fmt_amount(n: int) -> str:
    return f"{n}.00"


# --------------------------------------------------------------------------- responses


def _http_status_for(code: int) -> int:
    if code < 300:
        return 200
    if HTTP_MODE == "legacy" and code in LEGACY_HTTP200_CODES:
        return 200
    if BREAK == "errors-as-http-400":
        # BREAK: every error served as HTTP 400, whatever the body status_code (the
        # HTTP status must be 200 or the body code).
        return 400
    return code


def json_response(body: dict, http_status: int | None = None) -> Response:
    code = int(body.get("status_code", "200"))
    status = http_status if http_status is not None else _http_status_for(code)
    return Response(
        content=json.dumps(body, separators=(", ", ": ")),
        status_code=status,
        media_type="application/json",
    )


def error(code: int, message: str, validation: list[str] | None = None) -> Response:
    body: dict = {"status_code": str(code), "status_message": message}
    if validation:
        body["validation_messages"] = validation
    body["id"] = str(uuid.uuid4())
    return json_response(body)


def unauthorized() -> Response:
    return error(
        401, "Access denied due to unauthorized transaction, please check client or server key"
    )


def validation_error(messages: list[str]) -> Response:
    return error(400, "One or more parameters in the payload is invalid.", messages)


# --------------------------------------------------------------------------- state


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tokens: dict[str, dict] = {}
        self.txs: dict[str, dict] = {}  # transaction_id -> tx
        self.order_index: dict[tuple[str, str], str] = {}  # (merchant, order_id) -> transaction_id
        self.idem: dict[tuple[str, str, str], tuple[datetime, int, bytes]] = {}


STORE = Store()


def refresh(tx: dict) -> None:
    """Apply time-driven lifecycle transitions lazily."""
    t = now()
    if tx["transaction_status"] == "authorize" and t >= tx["expiry_at"]:
        tx["transaction_status"] = "expire"
        tx["status_code"] = "407"
    if tx["transaction_status"] == "capture" and tx.get("settle_at") and t >= tx["settle_at"]:
        tx["transaction_status"] = "settlement"
        tx["settled"] = True


# --------------------------------------------------------------------------- helpers


def server_key_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, _, _password = decoded.partition(":")
    if BREAK == "any-server-key-accepted" and username:
        # BREAK: any Basic user is taken as a server key (a wrong key must get 401).
        return username
    if not username.startswith(SERVER_KEY_PREFIX) or len(username) <= len(SERVER_KEY_PREFIX):
        return None
    return username


def accept_ok(request: Request) -> bool:
    accept = request.headers.get("accept")
    if not accept:
        return True
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("application/json", "application/*", "*/*") or media.endswith("+json"):
            return True
    return False


async def read_json_object(request: Request):
    """Returns (obj, error_response)."""
    raw = await request.body()
    if not raw.strip():
        return None, error(
            413, "The request cannot be processed due to malformed syntax in the request body"
        )
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, error(
            413, "The request cannot be processed due to malformed syntax in the request body"
        )
    if not isinstance(obj, dict):
        return None, validation_error(["request body must be a JSON object"])
    return obj, None


def is_long(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def masked(number: str) -> str:
    return f"{number[:8]}-{number[-4:]}"


def idem_lookup(merchant: str, path: str, request: Request) -> Response | None:
    key = request.headers.get("idempotency-key")
    if not key:
        return None
    with STORE.lock:
        t = now()
        for k in [k for k, v in STORE.idem.items() if v[0] <= t]:
            del STORE.idem[k]
        hit = STORE.idem.get((merchant, path, key))
    if hit is None:
        return None
    _, status, content = hit
    return Response(content=content, status_code=status, media_type="application/json")


def idem_store(merchant: str, path: str, request: Request, resp: Response) -> Response:
    key = request.headers.get("idempotency-key")
    if key and resp.status_code == 200:
        try:
            code = json.loads(resp.body).get("status_code")
        except ValueError:
            code = None
        if code == "200":
            with STORE.lock:
                STORE.idem[(merchant, path, key)] = (
                    now() + timedelta(seconds=IDEMPOTENCY_TTL_SECONDS),
                    resp.status_code,
                    bytes(resp.body),
                )
    return resp


def tx_common(tx: dict) -> dict:
    """Transaction fields shared by charge / capture / status answers."""
    body = {
        "transaction_id": tx["transaction_id"],
        "order_id": tx["order_id"],
        "merchant_id": tx["merchant_id"],
        "gross_amount": fmt_amount(tx["gross_amount"]),
        "currency": "IDR",
        "payment_type": "credit_card",
        "transaction_time": fmt_time(tx["transaction_time"]),
        "transaction_status": tx["transaction_status"],
        "fraud_status": tx["fraud_status"],
        "masked_card": tx["masked_card"],
        "bank": tx["bank"],
        "card_type": tx["card_type"],
    }
    if tx.get("approval_code"):
        body["approval_code"] = tx["approval_code"]
    if tx.get("channel"):
        body["channel"] = tx["channel"]
    if tx["transaction_status"] in ("authorize", "expire") or tx.get("was_authorized"):
        body["expiry_time"] = fmt_time(tx["expiry_at"])
    if tx.get("settle_at") and tx["transaction_status"] in ("capture", "settlement"):
        body["settlement_time"] = fmt_time(tx["settle_at"])
    return body


# --------------------------------------------------------------------------- endpoints


async def token(request: Request) -> Response:
    if not accept_ok(request):
        return error(
            403,
            "The requested resource is only capable of generating content not acceptable according to the Accept headers sent in the request",
        )
    q = request.query_params
    client_key = q.get("client_key", "")
    if not client_key.startswith(CLIENT_KEY_PREFIX) or len(client_key) <= len(CLIENT_KEY_PREFIX):
        return unauthorized()

    problems: list[str] = []
    number = re.sub(r"[\s]", "", q.get("card_number", ""))
    if not number:
        problems.append("card_number is required")
    elif not number.isdigit() or not (12 <= len(number) <= 19):
        problems.append("card_number is invalid")
    elif not luhn_ok(number):
        problems.append("card_number does not match with luhn algorithm")

    month_s = q.get("card_exp_month", "").strip()
    year_s = q.get("card_exp_year", "").strip()
    month = year = None
    if not month_s:
        problems.append("card_exp_month is required")
    elif not month_s.isdigit() or not (1 <= int(month_s) <= 12):
        problems.append("card_exp_month must be between 01 and 12")
    else:
        month = int(month_s)
    if not year_s:
        problems.append("card_exp_year is required")
    elif not year_s.isdigit() or len(year_s) not in (2, 4):
        problems.append("card_exp_year is invalid")
    else:
        year = int(year_s) + (2000 if len(year_s) == 2 else 0)
    if month is not None and year is not None:
        t = now()
        if (year, month) < (t.year, t.month):
            problems.append("card is expired")

    cvv = q.get("card_cvv", "").strip()
    if not cvv:
        problems.append("card_cvv is required")
    elif not cvv.isdigit() or len(cvv) not in (3, 4):
        problems.append("card_cvv must be 3 or 4 digits")

    if problems:
        return validation_error(problems)

    token_id = f"{number[:6]}-{number[-4:]}-{uuid.uuid4()}"
    with STORE.lock:
        STORE.tokens[token_id] = {
            "card_number": number,
            "expires_at": now() + timedelta(seconds=TOKEN_TTL_SECONDS),
            "used": False,
        }
    return json_response(
        {
            "status_code": "200",
            "status_message": "OK, success request new token",
            "token_id": token_id,
            "hash": f"{number[:6]}-{number[-4:]}-{hashlib.sha1(token_id.encode()).hexdigest()[:12]}",
        }
    )


async def charge(request: Request) -> Response:
    merchant = server_key_from(request)
    if merchant is None:
        return unauthorized()
    if not accept_ok(request):
        return error(
            403,
            "The requested resource is only capable of generating content not acceptable according to the Accept headers sent in the request",
        )
    replay = idem_lookup(merchant, "/v2/charge", request)
    if replay is not None:
        return replay
    body, err = await read_json_object(request)
    if err:
        return err

    ptype = body.get("payment_type")
    if ptype is None:
        return validation_error(["payment_type is required"])
    if not isinstance(ptype, str):
        return validation_error(["payment_type must be a string"])
    if ptype != "credit_card":
        return error(402, "Payment channel is not activated for this merchant")

    problems: list[str] = []
    td = body.get("transaction_details")
    order_id = gross = None
    if not isinstance(td, dict):
        problems.append("transaction_details is required")
    else:
        order_id = td.get("order_id")
        if order_id is None or order_id == "":
            problems.append("transaction_details.order_id is required")
        elif not isinstance(order_id, str) or not ORDER_ID_RE.match(order_id):
            problems.append(
                "transaction_details.order_id must be at most 50 characters of letters, digits, '-', '_', '~' or '.'"
            )
        gross = td.get("gross_amount")
        if gross is None:
            problems.append("transaction_details.gross_amount is required")
        elif not is_long(gross):
            problems.append(
                "transaction_details.gross_amount must be an integer (decimal values are invalid)"
            )
        elif gross < 1:
            problems.append("transaction_details.gross_amount must be greater than or equal to 1")
    cc = body.get("credit_card")
    if cc is not None and not isinstance(cc, dict):
        problems.append("credit_card must be an object")
        cc = None
    cc = cc or {}
    ctype = cc.get("type", "sale")
    if ctype not in ("authorize", "sale"):
        problems.append("credit_card.type must be one of authorize, sale")
    channel = cc.get("channel")
    if channel is not None and not isinstance(channel, str):
        problems.append("credit_card.channel must be a string")
    bank = cc.get("bank")
    if bank is not None and not isinstance(bank, str):
        problems.append("credit_card.bank must be a string")
    if problems:
        return validation_error(problems)

    token_id = cc.get("token_id")
    with STORE.lock:
        if (merchant, order_id) in STORE.order_index:
            return error(
                406,
                "The request could not be processed because the order_id has already been utilized",
            )
        tok = STORE.tokens.get(token_id) if isinstance(token_id, str) else None
        if not token_id:
            return error(411, "Token id is missing")
        if tok is None or tok["used"] or now() >= tok["expires_at"]:
            return error(411, "Token id is invalid, already used or has timed out")
        tok["used"] = True
        number = tok["card_number"]

        t = now()
        txid = str(uuid.uuid4())
        denied = number in DENIED_CARDS
        tx = {
            "transaction_id": txid,
            "order_id": order_id,
            "merchant": merchant,
            "merchant_id": "G" + hashlib.sha256(merchant.encode()).hexdigest()[:9].upper(),
            "gross_amount": gross,
            "authorized_amount": gross,
            "transaction_time": t,
            "expiry_at": t + timedelta(seconds=AUTH_EXPIRY_SECONDS),
            "fraud_status": "accept",
            "masked_card": masked(number),
            "bank": (bank or "bni").lower(),
            "card_type": "credit",
            "channel": channel,
            "approval_code": None if denied else str(secrets.randbelow(10**13)).zfill(13),
            "settle_at": None,
            "was_authorized": False,
        }
        if denied:
            tx["transaction_status"] = "deny"
            tx["status_code"] = "202"
            message = "Transaction is denied by the issuing bank"
        elif ctype == "authorize":
            tx["transaction_status"] = "authorize"
            tx["status_code"] = "200"
            tx["was_authorized"] = True
            message = "Success, Credit Card transaction is successful"
        else:
            tx["transaction_status"] = "capture"
            tx["status_code"] = "200"
            tx["settle_at"] = t + timedelta(seconds=SETTLE_SECONDS)
            message = "Success, Credit Card transaction is successful"
        STORE.txs[txid] = tx
        STORE.order_index[(merchant, order_id)] = txid

        resp_body = {"status_code": tx["status_code"], "status_message": message}
        resp_body.update(tx_common(tx))
        if denied:
            resp_body["channel_response_code"] = "05"
            resp_body["channel_response_message"] = "Do not honour"
        else:
            resp_body["channel_response_code"] = "00"
            resp_body["channel_response_message"] = "Approved"
    return idem_store(merchant, "/v2/charge", request, json_response(resp_body))


async def capture(request: Request) -> Response:
    merchant = server_key_from(request)
    if merchant is None:
        return unauthorized()
    if not accept_ok(request):
        return error(
            403,
            "The requested resource is only capable of generating content not acceptable according to the Accept headers sent in the request",
        )
    replay = idem_lookup(merchant, "/v2/capture", request)
    if replay is not None:
        return replay
    body, err = await read_json_object(request)
    if err:
        return err

    problems: list[str] = []
    txid = body.get("transaction_id")
    if txid is None or txid == "":
        problems.append("transaction_id is required")
    elif not isinstance(txid, str):
        problems.append("transaction_id must be a string")
    elif len(txid) > 255:
        problems.append("transaction_id must be at most 255 characters")
    amount = body.get("gross_amount")
    if BREAK == "decimal-amount-accepted" and isinstance(amount, float):
        # BREAK: a decimal gross_amount is taken, truncated ("Decimal values are invalid").
        amount = int(amount)
    if amount is not None:
        if not is_long(amount):
            problems.append("gross_amount must be an integer (decimal values are invalid)")
        elif amount < 1:
            problems.append("gross_amount must be greater than or equal to 1")
    if problems:
        return validation_error(problems)

    with STORE.lock:
        tx = STORE.txs.get(txid)
        if BREAK == "unknown-id-success" and tx is None:
            # BREAK: an unknown transaction_id is answered as a successful capture (not 404).
            return json_response(
                {
                    "status_code": "200",
                    "status_message": "Success, Credit Card capture transaction is successful",
                    "transaction_id": txid,
                    "transaction_status": "capture",
                }
            )
        if tx is None or tx["merchant"] != merchant:
            return error(404, "The requested resource is not found")
        refresh(tx)
        if BREAK == "second-capture-accepted" and tx["transaction_status"] == "capture":
            # BREAK: a captured transaction is captured again (capture is only valid
            # from transaction_status authorize: 412).
            tx["transaction_status"] = "authorize"
        if tx["transaction_status"] != "authorize":
            return error(412, "Merchant cannot modify the status of the transaction")
        if amount is None:
            amount = tx["authorized_amount"]
        if BREAK == "over-capture-accepted":
            pass  # BREAK: more than was authorized is captured.
        elif amount > tx["authorized_amount"]:
            # Undocumented; treated as "status cannot be modified" (inferred behaviour).
            return error(412, "Merchant cannot modify the status of the transaction")
        t = now()
        tx["gross_amount"] = amount
        tx["captured_at"] = t
        tx["transaction_status"] = "capture"
        tx["status_code"] = "200"
        tx["settle_at"] = t + timedelta(seconds=SETTLE_SECONDS)
        resp_body = {
            "status_code": "200",
            "status_message": "Success, Credit Card capture transaction is successful",
        }
        resp_body.update(tx_common(tx))
        if BREAK == "status-code-number":
            # BREAK: status_code as a JSON number (the docs: String "200").
            resp_body["status_code"] = 200
        if BREAK == "capture-status-settlement":
            # BREAK: the capture answer's transaction_status is not "capture".
            resp_body["transaction_status"] = "settlement"
        if BREAK == "gross-amount-minor-units":
            # BREAK: gross_amount in minor units, not the captured IDR amount.
            resp_body["gross_amount"] = fmt_amount(amount * 100)
        if BREAK == "gross-amount-number":
            # BREAK: gross_amount as a JSON number (the docs: String "30000.00").
            resp_body["gross_amount"] = float(amount)
        if BREAK == "transaction-time-utc-iso":
            # BREAK: transaction_time in UTC with a T and a Z (the docs: GMT+7,
            # "2014-10-31 14:46:44").
            utc = tx["transaction_time"] - timedelta(hours=7)
            resp_body["transaction_time"] = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        if BREAK == "masked-card-6-4":
            # BREAK: masked_card as first 6 and last 4 digits (the docs: first 8, last 4).
            number = tx["masked_card"].replace("-", "")
            resp_body["masked_card"] = number[:6] + "******" + number[-4:]
        if BREAK == "transaction-id-is-order-id":
            # BREAK: the capture answer's transaction_id is the order_id.
            resp_body["transaction_id"] = tx["order_id"]
    return idem_store(merchant, "/v2/capture", request, json_response(resp_body))


def _find(merchant: str, ident: str) -> dict | None:
    tx = STORE.txs.get(ident)
    if tx is not None and tx["merchant"] == merchant:
        return tx
    txid = STORE.order_index.get((merchant, ident))
    return STORE.txs.get(txid) if txid else None


async def status(request: Request) -> Response:
    merchant = server_key_from(request)
    if merchant is None:
        return unauthorized()
    if not accept_ok(request):
        return error(
            403,
            "The requested resource is only capable of generating content not acceptable according to the Accept headers sent in the request",
        )
    ident = request.path_params["ident"]
    with STORE.lock:
        tx = _find(merchant, ident)
        if tx is None:
            return error(404, "Transaction doesn't exist.")
        refresh(tx)
        code = {"deny": "202", "expire": "407"}.get(tx["transaction_status"], "200")
        body = {"status_code": code, "status_message": "Success, transaction is found"}
        body.update(tx_common(tx))
        if BREAK == "status-still-authorize" and tx["transaction_status"] == "capture":
            # BREAK: the status read after a capture still says authorize.
            body["transaction_status"] = "authorize"
        body["signature_key"] = hashlib.sha512(
            (tx["order_id"] + code + fmt_amount(tx["gross_amount"]) + merchant).encode()
        ).hexdigest()
        if tx["transaction_status"] == "settlement":
            body["settlement_time"] = fmt_time(tx["settle_at"])
    # A found transaction is answered with HTTP 200 whatever its status_code.
    return json_response(body, http_status=200)


async def cancel(request: Request) -> Response:
    merchant = server_key_from(request)
    if merchant is None:
        return unauthorized()
    ident = request.path_params["ident"]
    with STORE.lock:
        tx = _find(merchant, ident)
        if tx is None:
            return error(404, "Transaction doesn't exist.")
        refresh(tx)
        if tx["transaction_status"] not in ("authorize", "capture"):
            return error(412, "Merchant cannot modify the status of the transaction")
        tx["transaction_status"] = "cancel"
        tx["settle_at"] = None
        body = {"status_code": "200", "status_message": "Success, transaction is canceled"}
        body.update(tx_common(tx))
    return json_response(body)


# --------------------------------------------------------------------------- app


async def not_found(request: Request, exc) -> Response:
    return error(404, "The requested resource is not found")


async def method_not_allowed(request: Request, exc) -> Response:
    return error(405, "HTTP method is not allowed")


async def internal_error(request: Request, exc) -> Response:
    return error(500, "Sorry, we encountered internal server error. We will fix this soon.")


routes = [
    Route("/v2/token", token, methods=["GET"]),
    Route("/v2/charge", charge, methods=["POST"]),
    Route("/v2/capture", capture, methods=["POST"]),
    Route("/v2/{ident}/status", status, methods=["GET"]),
    Route("/v2/{ident}/cancel", cancel, methods=["POST"]),
]

app = Starlette(
    routes=routes,
    exception_handlers={404: not_found, 405: method_not_allowed, 500: internal_error},
)


def main() -> None:
    import uvicorn

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
