"""One test's provider traffic: routed to in-process reference simulators, then judged.

Every routed request runs on one worker thread that owns the simulators' event
loop, so requests from sync code, async code and threads reach the simulators
one at a time (as a server would serialise them), a caller's own event loop is
never re-entered, and an async caller's loop keeps running while it waits.

>>> import httpx
>>> with Traffic() as traffic:
...     request = httpx.Request("POST", "https://api.sandbox.midtrans.com/v2/capture",
...                             json={"transaction_id": "t-1", "gross_amount": 30000.0},
...                             headers={"Accept": "application/json",
...                                      "Authorization": "Basic U0ItTWlkLXNlcnZlci1kb2M6"})
...     traffic.handle(request).status_code
...     [v.rule for v in traffic.violations()]
400
['midtrans.gross-amount.decimal-literal']
"""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .._constants import DEFAULT_PROFILE, PROFILES, PROVIDERS
from ..errors import UsageError
from ..simulators import Fault, Simulator, create
from ..specs import check_choice, load_spec
from ..suite._results import Exchange
from ..suite._setup import DEFAULT_AMOUNT, Setup
from ..suite._target import SANDBOX_HOSTS, Credentials, Target
from ..suite._transport import SyncASGITransport
from ..validator import Validator
from ..violations import Severity, Violation
from ._explain import Side
from ._hosts import classify

if TYPE_CHECKING:
    from ..answers import Answer
    from ..simulators._deliveries import Delivery
    from ._answers import AnswerScript

__all__ = ["MODES", "Finding", "Traffic", "provider_of"]

#: How ``conformance_traffic`` treats provider calls: answered by the simulators, or judged.
MODES = ("route", "judge")

Finding = tuple[Exchange, list[tuple[Side, Violation]]]


@dataclass
class _Armed:
    """Faults waiting for the next requests of one operation."""

    provider: str
    operation: str
    fault: Fault
    count: int


class Traffic:
    """What the ``conformance_traffic`` fixture gives a test.

    ``midtrans`` and ``pivot`` are the simulators behind ``api.sandbox.midtrans.com``
    and ``api-stg.pivot-payment.com``; ``exchanges`` lists what the code under test
    sent and received, in order; ``profile`` (settable) is the contract the traffic
    is judged by when the test ends. ``mode`` is ``"route"`` (the simulators answer)
    or ``"judge"`` (whatever answers does: a sandbox, a cassette; see ``_judge``).
    """

    def __init__(self, profile: str = DEFAULT_PROFILE, mode: str = "route") -> None:
        if mode not in MODES:
            raise UsageError(f"traffic must be one of {', '.join(MODES)}; got {mode!r}")
        self.mode = mode
        self.profile = profile
        self.simulators: dict[str, Simulator] = {p: create(p) for p in PROVIDERS}
        self.exchanges: list[Exchange] = []
        #: Calls that could not be judged: production hosts, paths no operation serves.
        self.problems: list[str] = []
        self._armed: list[_Armed] = []
        #: The catalogue answer scripted for this test (``conformance_answer``), if any.
        self.script: AnswerScript | None = None
        #: ``id()`` of the answers a script served: judged in the catalogue's own test, not here.
        self.scripted: set[int] = set()
        self._transports = {p: SyncASGITransport(s.app) for p, s in self.simulators.items()}
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="capture-conformance-traffic")

    # -- what a test uses -------------------------------------------------------------
    @property
    def profile(self) -> str:
        return self._profile

    @profile.setter
    def profile(self, value: str) -> None:
        if value not in PROFILES:
            raise UsageError(
                f"conformance_traffic.profile must be one of {', '.join(PROFILES)}; got {value!r}"
            )
        self._profile = value

    @property
    def midtrans(self) -> Simulator:
        return self.simulators["midtrans"]

    @property
    def pivot(self) -> Simulator:
        return self.simulators["pivot"]

    def fail_next(
        self,
        provider: str,
        status: int,
        *,
        operation: str = "capture",
        count: int = 1,
        kind: str = "error",
        delay: float = 0.0,
    ) -> None:
        """Make the next *count* calls of *operation* answer *status* in the provider's shape.

        ``fail_next("midtrans", 412)``: the next capture answers Midtrans's 412.
        *kind* is any fault of the simulators' ``/_sim/faults`` API (``error``,
        ``latency``, ``non-json``, ``truncate``, ``disconnect``).
        """
        self._routed("fail_next")
        check_choice("provider", provider, PROVIDERS)
        load_spec(provider).operation(operation)
        if count < 1:
            raise ValueError(f"count must be at least 1; got {count!r}")
        fault = Fault(kind, status=status, delay=delay)  # a bad kind or status fails here
        self._armed.append(_Armed(provider, operation, fault, count))

    def script_answer(self, answer: Answer) -> AnswerScript:
        """Give the next call of *answer*'s operation that catalogue answer (see ``_answers``)."""
        from ._answers import AnswerScript

        self._routed("a scripted answer (conformance_answer)")
        self.script = AnswerScript(self, answer)
        return self.script

    # -- deliveries: Midtrans notifications, Pivot callbacks -------------------------
    def deliver_to(self, provider: str, target: Any, *, url: str | None = None) -> None:
        """Send *provider*'s deliveries to your handler: a URL, or an ASGI or WSGI app.

        An app is called in-process (no socket): ``deliver_to("midtrans", app)``.
        """
        self._routed("deliver_to")
        check_choice("provider", provider, PROVIDERS)
        self._worker.submit(self.simulators[provider].deliver_to, target, url=url).result()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery both simulators made, oldest first."""
        made = [d for sim in self.simulators.values() for d in sim.deliveries]
        return sorted(made, key=lambda d: d.created_at)

    def notify(
        self, provider: str, ident: str, variant: str = "genuine", *,
        status: str | None = None, delay: float | None = None,
    ) -> list[Delivery]:  # fmt: skip
        """Fire a delivery for *ident* now (``stripe trigger``); see the simulators' variants."""
        self._routed("notify")
        check_choice("provider", provider, PROVIDERS)
        sim = self.simulators[provider]
        work = self._worker.submit(sim.notify, ident, variant, status=status, delay=delay)
        return work.result()

    def authorize(
        self,
        provider: str,
        amount: int = DEFAULT_AMOUNT,
        *,
        server_key: str | None = None,
        client_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> str:
        """A fresh authorized transaction (Midtrans) or payment session (Pivot) id.

        Made through the provider's own setup flow, off the record: it is not part
        of ``exchanges``. Pivot sessions belong to a merchant: pass the
        ``client_id``/``client_secret`` your code uses (default: the kit's made-up pair).
        """
        self._routed("authorize")
        check_choice("provider", provider, PROVIDERS)
        credentials = Credentials.resolve(
            env={},
            server_key=server_key,
            client_key=client_key,
            client_id=client_id,
            client_secret=client_secret,
        )

        def run() -> str:
            app = self.simulators[provider].app
            with Target(provider, app=app, credentials=credentials) as target:
                made = Setup(target).authorize(lambda exchange: None, amount)
            assert made is not None  # no list of given authorizations here
            return made.id

        return self._worker.submit(run).result()

    def findings(self) -> list[Finding]:
        """Each exchange with its violations (errors and warnings) in the current profile."""
        out: list[Finding] = []
        for exchange in self.exchanges:
            if not exchange.operation:
                continue
            found: list[tuple[Side, Violation]] = []
            validator = Validator(provider_of(exchange.request), profile=self.profile)
            op, request = exchange.operation, exchange.request
            found += [("request", v) for v in validator.validate_request(op, request)]
            if exchange.response is not None and id(exchange.response) not in self.scripted:
                answer = validator.validate_response(op, exchange.response, request=request)
                found += [("response", v) for v in answer]
            if found:
                out.append((exchange, found))
        return out

    def violations(self, severity: Severity | None = Severity.ERROR) -> list[Violation]:
        """The violations seen so far (errors by default; ``None`` for every severity)."""
        return [
            v
            for _, found in self.findings()
            for _, v in found
            if severity is None or v.severity == severity
        ]

    # -- what the interceptors call ---------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer *request* (for an owned host) from the simulator; raises as a network would."""
        self.refuse_production(request)
        return self._worker.submit(self._exchange, request).result()

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        """:meth:`handle` for async callers: waits without blocking their event loop."""
        self.refuse_production(request)
        return await asyncio.wrap_future(self._worker.submit(self._exchange, request))

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        for transport in self._transports.values():
            transport.close()

    def __enter__(self) -> Traffic:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(
        self, request: httpx.Request, response: httpx.Response | None, error: str | None = None
    ) -> str:
        """Put one exchange with a sandbox host on record (judged at the end); its operation."""
        provider = provider_of(request)
        matched = load_spec(provider).match(request.method, request.url.path)
        operation = "" if matched is None else matched[0].name
        if matched is None:
            known = ", ".join(load_spec(provider).operations)
            answered = "the simulator answered it" if self.mode == "route" else "sent as it was"
            self.problems.append(
                f"{request.method} {request.url.copy_with(query=None)}: no {provider} operation "
                f"in the kit's specs serves {request.method} {request.url.path}, so it was not "
                f"checked ({answered}); the specs describe: {known}"
            )
        self.exchanges.append(Exchange(operation, request, response, error))
        return operation

    def refuse_production(self, request: httpx.Request) -> None:
        """Raise (as a refused connection) for a provider's production host, noting why."""
        kind = classify(request.url.host)
        if kind is None or kind[0] != "production":
            return
        provider = kind[1]
        message = (
            f"{request.method} {request.url.copy_with(query=None)}: refused, "
            f"{request.url.host} is {provider}'s production host; conformance_traffic routes "
            f"only the sandbox host {SANDBOX_HOSTS[provider]} (point your code at the sandbox)"
        )
        self.problems.append(message)
        raise httpx.ConnectError(f"capture-conformance: {message}", request=request)

    # -- inside ----------------------------------------------------------------------
    def _routed(self, helper: str) -> None:
        if self.mode != "route":
            raise UsageError(
                f"{helper} needs route mode (the simulators answer); this test judges traffic "
                "it does not route (traffic='judge'): drop it, or use traffic='route'"
            )

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        provider = provider_of(request)
        matched = load_spec(provider).match(request.method, request.url.path)
        operation = "" if matched is None else matched[0].name
        self._arm(provider, operation, request.url.path)
        send = self._transports[provider].handle_request
        try:
            if self.script is None:
                response = send(request)
            else:
                response = self.script.exchange(provider, operation, request, send)
        except httpx.TransportError as exc:
            self.record(request, None, f"{exc!r}")
            raise
        self.record(request, response)
        return response

    def _arm(self, provider: str, operation: str, path: str) -> None:
        for armed in self._armed:
            if (armed.provider, armed.operation) == (provider, operation):
                armed.count -= 1
                if armed.count == 0:
                    self._armed.remove(armed)
                # The simulator's own fault machinery answers, in the provider's own shape.
                fault = dataclasses.replace(armed.fault, count=1, path=path)
                self.simulators[provider].faults.add(fault)
                return


def provider_of(request: httpx.Request) -> str:
    """The provider whose host *request* is addressed to."""
    kind = classify(request.url.host)
    assert kind is not None, f"not a provider host: {request.url.host!r}"
    return kind[1]
