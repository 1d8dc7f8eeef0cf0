"""Recording the scenario catalogue against a target into a scrubbed vcrpy cassette.

The suite runs its scenario catalogue only (the deterministic part: no
property-based or stateful search) through :class:`RecordingTransport`, which
keeps every exchange that passes, setup calls and simulator-clock calls
included, each tagged with the case that made it (``preflight`` before the
first). Secrets are scrubbed (:mod:`._scrub`), and the cassette is refused when
a credential it was given still shows anywhere in it.

>>> from conformance.simulators import create
>>> recording = record("midtrans", app=create("midtrans").app)
>>> recording.cassette.interactions[0].scenario, recording.scenarios > 15
('preflight', True)
>>> "SB-Mid-server-conformance-kit" in recording.text
False
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from ..errors import InputError, UsageError
from ..suite import Credentials, Report, SuiteOptions, Target, guard_production, run_suite
from ..suite._target import SANDBOX_HOSTS
from ..suite._transport import SyncASGITransport
from ..suite.runner import Progress
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

    def begin(self, case_id: str) -> None:
        """Tag what follows with *case_id* (a :class:`~conformance.suite.Target` ``on_case``)."""
        self.scope = case_id

    def handle_request(self, request: httpx.Request) -> httpx.Response:
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
        self.interactions.append(Interaction.from_httpx(request, kept, scenario=self.scope))
        return response

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
    credentials: Credentials | None = None,
    timeout: float = 10.0,
    seed: int = 0,
    allow_production: bool = False,
    progress: Progress | None = None,
    out: str = "cassette.yaml",
) -> Recording:
    """Run the scenario catalogue against *base_url* (or in-process *app*) and record it.

    *out* only picks the serializer (``.json`` or YAML) and labels errors; nothing
    is written here (see :func:`write_recording`). :class:`InputError` when a
    given secret survives scrubbing; :class:`~conformance.suite.CannotRun` when
    the target cannot be reached or refuses the credentials.
    """
    if (base_url is None) == (app is None):
        raise UsageError("record from a base URL or an in-process app, not both or neither")
    if base_url is not None:
        guard_production(provider, base_url, allow_production)
        inner: httpx.BaseTransport = httpx.HTTPTransport()
        url, label = base_url, base_url
    else:
        assert app is not None
        inner = SyncASGITransport(app)
        url, label = f"https://{SANDBOX_HOSTS[provider]}", f"in-process {provider} simulator"
    credentials = credentials or Credentials.resolve()
    recorder = RecordingTransport(inner)
    target = Target(
        provider, base_url=url, credentials=credentials, timeout=timeout,
        transport=recorder, on_case=recorder.begin,
    )  # fmt: skip
    target.label = label
    options = SuiteOptions(seed=seed, scenarios_only=True, time_limit=3600)
    with target:
        report = run_suite(target, options, progress=progress)
    scrubber = Scrubber(_given(provider, credentials))
    metadata = {
        METADATA_KEY: {
            "provider": provider,
            "recorded_from": label,
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    }
    cassette = Cassette(scrubber.scrub(recorder.interactions), out, metadata)
    text = dumps(cassette, out)
    _refuse_leaks(scrubber, cassette, text, out)
    return Recording(cassette, text, report)


def write_recording(recording: Recording, out: str | Path) -> None:
    save_cassette(out, recording.text)


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
