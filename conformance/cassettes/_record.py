"""Recording the scenario catalogue against a target into a scrubbed vcrpy cassette.

The suite runs its scenario catalogue only (the deterministic part: no
property-based or stateful search) through :class:`RecordingTransport`, which
keeps every exchange that passes, setup calls and simulator-clock calls
included, each tagged with the case that made it (``preflight`` before the
first). Secrets are scrubbed (:mod:`._scrub`), and the cassette is refused when
a credential it was given still shows anywhere in it.

The deliveries the run brings are kept too (:mod:`._deliveries`), as ``check``
receives them: an in-process *simulator* delivers to an in-process receiver;
against a *base_url*, Midtrans charges and captures name a receiver served on
loopback (or *listen*) in ``X-Override-Notification``, and Pivot callbacks come
to *listen* (``--callback-listen``) when it is given. Each accepted capture is
held to its delivery as ``check`` holds it; the session reads that takes are
tagged ``<provider>.deliveries``.

>>> from conformance.simulators import create
>>> recording = record("midtrans", simulator=create("midtrans"))
>>> recording.cassette.interactions[0].scenario, recording.scenarios > 15
('preflight', True)
>>> "SB-Mid-server-conformance-kit" in recording.text
False
>>> kept = [i for i in recording.cassette if i.delivery]
>>> len(kept) > 10, {i.delivery["signature"] for i in kept}
(True, {'re-signed'})
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp

from ..errors import InputError, UsageError
from ..simulators import Simulator
from ..suite import Credentials, Report, SuiteOptions, Target, guard_production, run_suite
from ..suite._deliveries import Deliveries
from ..suite._inbox import Delivery
from ..suite._target import SANDBOX_HOSTS
from ..suite._transport import SyncASGITransport
from ..suite.runner import Progress
from ._deliveries import (
    KEY_KIND,
    PLACEHOLDER_KEY,
    assign_scenarios,
    delivery_interaction,
    register_api_keys,
    seal,
)
from ._detect import METADATA_KEY
from ._format import PREFLIGHT, Cassette, Interaction, body_bytes, dumps, save_cassette
from ._scrub import Scrubber

__all__ = ["Recording", "RecordingTransport", "record", "write_recording"]


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to *inner* and keeps each exchange, tagged with the current case."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.scope = PREFLIGHT
        self.interactions: list[Interaction] = []
        self._lock = threading.Lock()  # a served receiver adds deliveries from its thread
        #: Deliveries that came while a request was in flight: kept after its exchange.
        self._held: list[Interaction] | None = None

    def begin(self, case_id: str) -> None:
        """Tag what follows with *case_id* (a :class:`~conformance.suite.Target` ``on_case``)."""
        self.scope = case_id

    def delivered(self, delivery: Delivery, findings: object = None) -> None:
        """Keep a delivery where it arrived (an :class:`~conformance.suite._inbox.Inbox` hook)."""
        item = delivery_interaction(delivery.provider, delivery.request, self.scope)
        with self._lock:
            (self.interactions if self._held is None else self._held).append(item)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self._held = []
        try:
            return self._exchange(request)
        except BaseException:
            self._release()  # what came in the meantime is kept all the same
            raise

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.is_stream_consumed:
            kept = response  # an in-process app answers fully read already
        else:
            try:
                raw = b"".join(response.iter_raw())
            finally:
                response.close()
            # The suite gets the bytes as they came (content-encoding and all);
            # the cassette gets them decoded, as vcrpy's decode_compressed_response does.
            kept = httpx.Response(response.status_code, headers=response.headers, content=raw)
            response = httpx.Response(
                response.status_code,
                headers=response.headers,
                stream=httpx.ByteStream(raw),
                extensions=response.extensions,
                request=request,
            )
        self._release(Interaction.from_httpx(request, kept, scenario=self.scope))
        return response

    def _release(self, *first: Interaction) -> None:
        with self._lock:
            self.interactions += [*first, *(self._held or ())]
            self._held = None

    def close(self) -> None:
        self.inner.close()


@dataclass
class Recording:
    """A scrubbed cassette (and its text), and the suite report of the run that made it."""

    cassette: Cassette
    text: str
    report: Report

    @property
    def scenarios(self) -> int:
        return len(self.report.results)


def record(
    provider: str,
    *,
    base_url: str | None = None,
    app: ASGIApp | None = None,
    simulator: Simulator | None = None,
    credentials: Credentials | None = None,
    timeout: float = 10.0,
    seed: int = 0,
    allow_production: bool = False,
    progress: Progress | None = None,
    out: str = "cassette.yaml",
    deliveries: str = "auto",
    delivery_timeout: float | None = None,
    listen: str | None = None,
    notification_url: str | None = None,
) -> Recording:
    """Run the scenario catalogue against *base_url*, an in-process *simulator* or *app*, and
    record it, with the deliveries it brings (*deliveries*: ``auto``, ``require`` or ``off``,
    as ``check --deliveries``; an *app* alone cannot deliver, so it records none).

    *out* only picks the serializer (``.json`` or YAML) and labels errors; nothing
    is written here (see :func:`write_recording`). :class:`InputError` when a
    given secret survives scrubbing; :class:`~conformance.suite.CannotRun` when
    the target cannot be reached or refuses the credentials.
    """
    if sum(x is not None for x in (base_url, app, simulator)) != 1:
        raise UsageError("record from a base URL or an in-process app, not both or neither")
    if base_url is not None:
        guard_production(provider, base_url, allow_production)
        inner: httpx.BaseTransport = httpx.HTTPTransport()
        url, label = base_url, base_url
    else:
        served = simulator.app if simulator is not None else app
        assert served is not None
        inner = SyncASGITransport(served)
        url, label = f"https://{SANDBOX_HOSTS[provider]}", f"in-process {provider} simulator"
    credentials = credentials or Credentials.resolve()
    recorder = RecordingTransport(inner)
    options = SuiteOptions(seed=seed, scenarios_only=True, time_limit=3600)
    given = _given(provider, credentials)
    with _receiving(
        provider, simulator if base_url is None else base_url, credentials, deliveries,
        delivery_timeout, listen, notification_url,
    ) as watch:  # fmt: skip
        target = Target(
            provider, base_url=url, credentials=credentials, timeout=timeout,
            transport=recorder, on_case=recorder.begin, deliveries=watch,
        )  # fmt: skip
        target.label = label
        if watch is not None and watch.inbox is not None:
            watch.inbox.on_delivery = recorder.delivered
            watch.on_conclude = lambda: recorder.begin(f"{provider}.deliveries")
            key = watch.inbox.server_key or watch.inbox.callback_key
            if key:
                given[KEY_KIND[provider]] = key
        with target:
            report = run_suite(target, options, progress=progress)
        captures = [(c.case_id, c.subject) for c in watch.captures] if watch else []
    items = recorder.interactions
    assign_scenarios(items, provider, captures)
    scrubber = Scrubber(given)
    register_api_keys(items, scrubber.placeholder)
    items = scrubber.scrub(items)
    seal(items, provider, given.get(KEY_KIND[provider]))
    received = sum(1 for i in items if i.delivery is not None)
    metadata = {
        METADATA_KEY: {
            "provider": provider,
            "recorded_from": label,
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "deliveries": {
                "received": received,
                "key": PLACEHOLDER_KEY[provider] if given.get(KEY_KIND[provider]) else None,
            },
        }
    }
    cassette = Cassette(items, out, metadata)
    text = dumps(cassette, out)
    _refuse_leaks(scrubber, cassette, text, out)
    return Recording(cassette, text, report)


def write_recording(recording: Recording, out: str | Path) -> None:
    save_cassette(out, recording.text)


@contextlib.contextmanager
def _receiving(
    provider: str,
    where: str | Simulator | None,
    credentials: Credentials,
    mode: str,
    timeout: float | None,
    listen: str | None,
    notification_url: str | None,
) -> Iterator[Deliveries | None]:
    """A receiver for the run's deliveries, as ``check`` (a URL) or ``run`` (a simulator) has."""
    from ..receiver import attach, listening

    if where is None:  # a bare app: nothing points its deliveries anywhere
        yield None
        return
    options: dict[str, Any] = {"mode": mode, "credentials": credentials}
    if timeout is not None:
        options["timeout"] = timeout
    if isinstance(where, str):
        with listening(
            provider, listen=listen, notification_url=notification_url, **options
        ) as watch:
            yield watch
        return
    yield attach(where, **options)


def _given(provider: str, credentials: Credentials) -> dict[str, str]:
    if provider == "midtrans":
        return {"server-key": credentials.server_key, "client-key": credentials.client_key}
    return {"client-id": credentials.client_id, "client-secret": credentials.client_secret}


def _refuse_leaks(scrubber: Scrubber, cassette: Cassette, text: str, out: str) -> None:
    """Look in every part of every interaction, bodies as bytes (a binary body is base64
    in the YAML), then in the written text."""
    for index, item in enumerate(cassette.interactions):
        request, response = item.request, item.response
        places: list[tuple[str, str | bytes]] = [
            ("request URI", item.uri),
            ("request headers", "\n".join(f"{k}: {v}" for k, v in request.headers.items())),
            ("request body", item.request_body()),
            ("response headers", "\n".join(f"{k}: {v}" for k, v in response["headers"].items())),
            ("response body", body_bytes(response["body"]["string"])),
        ]
        for where, content in places:
            _refuse(scrubber.leak(content), f"interaction {index} ({item.scenario}) {where}", out)
    _refuse(scrubber.leak(text), "the cassette text", out)


def _refuse(leak: str | None, where: str, out: str) -> None:
    if leak is not None:
        raise InputError(
            f"refusing to write {out}: {leak} still appears in {where} after scrubbing; "
            "nothing was written"
        )
