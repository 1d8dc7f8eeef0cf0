"""Replaying recorded cassettes: the scenario catalogue, answered from the recording.

:func:`replay_target` builds a :class:`~conformance.suite.Target` whose
transport answers from the cassettes, so the suite runs its scenarios exactly as
against a live target (same rules, same reports, same exit codes), offline and
deterministically. Requests are matched per scenario tag, in recorded order, by
method and path shape (the specs' path templates: ids made at record time differ
from the ones the replay sends). Bodies and query strings are not matched.

A request the recording cannot answer comes back to the suite as a transport
failure, which the case reports (``<provider>.transport``) rather than raising;
a scenario the recording does not hold is skipped with a note.

The deliveries a recording kept (:mod:`._deliveries`) are re-checked as
``check`` checks live ones: each scenario's are handed to an inbox as the
scenario begins, judged with the placeholder key the recording was re-signed
with (Midtrans ``signature_key``, Pivot ``X-API-Key``), and every accepted
capture must find its own among them (``<provider>.notification.delivered``).
A recording that kept no delivery (an older kit's, or one made without a
receiver) has that check skipped with a note.

>>> from conformance.simulators import create
>>> from conformance.cassettes import record
>>> from conformance.cassettes._format import loads
>>> text = record("pivot", app=create("pivot").app).text
>>> report = replay("pivot", [loads(text, "pivot.yaml")])
>>> report.exit_code, len(report.results) > 15
(0, True)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..errors import InputError
from ..suite import Credentials, Report, SuiteOptions, Target, run_suite
from ..suite._deliveries import Deliveries
from ..suite._inbox import Inbox
from ..suite._scenario_catalogue import load_catalogue
from ..suite.runner import Progress
from ._deliveries import recorded_key, stated_deliveries
from ._detect import require_provider, shape
from ._format import PREFLIGHT, BodyError, Cassette, Interaction, load_cassette

__all__ = ["CassetteMiss", "ReplayTransport", "expand", "replay", "replay_target"]

#: What a folder given as a cassette path contributes.
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
#: Seconds a replayed capture waits for its delivery: the recording has it, or never will.
_REPLAY_WAIT = 0.001


class CassetteMiss(httpx.TransportError):
    """The recording holds no (more) answer for a request."""


class ReplayTransport(httpx.BaseTransport):
    """Answers each request with the next unplayed recorded one of the same scenario and shape."""

    def __init__(self, provider: str, cassettes: Sequence[Cassette]) -> None:
        self.provider = provider
        self.scope = PREFLIGHT
        self._pools: dict[str, list[tuple[str, Interaction]]] = defaultdict(list)
        #: The recorded deliveries per scenario tag, handed to *inbox* as their scenario begins.
        self.deliveries: dict[str, list[Interaction]] = defaultdict(list)
        self.inbox: Inbox | None = None
        for cassette in cassettes:
            for item in cassette:
                if item.delivery is not None:
                    self.deliveries[item.scenario or ""].append(item)
                    continue
                key = shape(provider, item.method, item.path)
                self._pools[item.scenario or ""].append((key, item))
        self._played: set[int] = set()

    def begin(self, case_id: str) -> str | None:
        """Answer from *case_id*'s interactions from now on; skip the case if there are none."""
        self.scope = case_id
        if case_id not in self._pools:
            return "not recorded in the cassette"
        self.deliver(case_id)
        return None

    def deliver(self, scope: str) -> None:
        """Hand the deliveries recorded for *scope* to the inbox (once)."""
        if self.inbox is None:
            return
        for item in self.deliveries.pop(scope, []):
            try:
                self.inbox.accept(item.httpx_request())
            except (httpx.InvalidURL, BodyError, ValueError, TypeError) as exc:
                raise InputError(f"a recorded delivery cannot be read: {exc}") from None

    def conclude(self) -> None:
        """The suite holds captures to their deliveries: answer its reads from their tag."""
        self.begin(f"{self.provider}.deliveries")
        for scope in list(self.deliveries):  # deliveries no selected scenario claimed
            if scope in (PREFLIGHT, "", f"{self.provider}.deliveries"):
                self.deliver(scope)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = shape(self.provider, request.method, request.url.path)
        pool = [(k, i) for k, i in self._pools.get(self.scope, ()) if id(i) not in self._played]
        found = None
        if self.scope == f"{self.provider}.deliveries":  # reads of sessions the replay names:
            # the ones a skipped scenario captured are left out, so match the exact path first
            path = request.url.path
            found = next((i for k, i in pool if k == key and i.path == path), None)
        found = found or next((i for k, i in pool if k == key), None)
        if found is None:
            raise CassetteMiss(
                f"the cassette has no answer left for {key} in {self.scope}", request=request
            )
        self._played.add(id(found))
        try:
            return found.httpx_response(request)
        except BodyError as exc:
            raise CassetteMiss(f"the recorded answer is unreadable: {exc}") from None


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Cassette files: each path as given, a folder as the cassettes inside it (sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix.lower() in CASSETTE_SUFFIXES)
            if not inside:
                raise InputError(f"folder {str(path)!r} holds no *.yaml/*.yml/*.json cassette")
            found += inside
        else:
            found.append(path)
    if not found:
        raise InputError("no cassette given")
    return found


def _load_for_replay(provider: str, paths: Iterable[str | Path | Cassette]) -> list[Cassette]:
    given = list(paths)
    loaded = [p for p in given if isinstance(p, Cassette)]
    files = [p for p in given if not isinstance(p, Cassette)]
    catalogue = {s.id for s in load_catalogue(provider)}
    cassettes = []
    for cassette in [*loaded, *(load_cassette(path) for path in (expand(files) if files else []))]:
        if not cassette.interactions:
            raise InputError(f"{cassette.path}: the cassette holds no interactions")
        require_provider(cassette, provider)
        if not {i.scenario for i in cassette} & catalogue:
            raise InputError(
                f"{cassette.path} has no interaction tagged with a scenario of the {provider} "
                "catalogue, so nothing in it replays as a scenario; record one with "
                "`capture-conformance record`, or check any cassette with "
                "`capture-conformance cassettes lint`"
            )
        cassettes.append(cassette)
    return cassettes


def replay_target(
    provider: str,
    paths: Iterable[str | Path | Cassette],
    *,
    profile: str = "documented",
    credentials: Credentials | None = None,
) -> Target:
    """A target answering from the cassettes at *paths* (files, folders, or loaded cassettes).

    Run it with ``SuiteOptions(scenarios_only=True, ...)``: only the scenario
    catalogue is recorded. :class:`InputError` for a cassette that cannot be
    read, is empty, holds another provider's traffic, or has no scenario tags.
    """
    cassettes = _load_for_replay(provider, paths)
    if not cassettes:
        raise InputError("no cassette given")
    transport = ReplayTransport(provider, cassettes)
    calls = [i for c in cassettes for i in c if i.delivery is None]
    first = urlsplit(calls[0].uri if calls else cassettes[0].interactions[0].uri)
    base = f"{first.scheme or 'https'}://{first.netloc}" if first.netloc else "https://replay"
    target = Target(
        provider, base_url=base, credentials=credentials, profile=profile,
        transport=transport, on_case=transport.begin,
        deliveries=_replayed(provider, cassettes, transport, profile),
    )  # fmt: skip
    target.label = "cassette " + ", ".join(c.path for c in cassettes)
    target.recorded = True
    transport.deliver(PREFLIGHT)
    return target


def _replayed(
    provider: str, cassettes: Sequence[Cassette], transport: ReplayTransport, profile: str
) -> Deliveries:
    """The deliveries check of a replay: every capture's delivery must be in the recording."""
    stated = [s for s in map(stated_deliveries, cassettes) if s is not None]
    received = sum(len(items) for items in transport.deliveries.values())
    received += sum(s.get("received", 0) for s in stated if isinstance(s.get("received"), int))
    title = "notifications" if provider == "midtrans" else "callbacks"
    if not received:
        unavailable = (
            f"{title} not checked: the recording kept none (recorded without a receiver, or "
            f"by an older kit); record again to keep them"
        )
        return Deliveries(provider, None, unavailable=unavailable, recorded=True)
    key = recorded_key(cassettes, provider)
    inbox = Inbox(
        provider, profile=profile, target="the recording",
        server_key=key if provider == "midtrans" else None,
        callback_key=key if provider == "pivot" else None,
    )  # fmt: skip
    transport.inbox = inbox
    watch = Deliveries(
        provider, inbox, mode="require", timeout=_REPLAY_WAIT, receiver="the recording",
        recorded=True,
    )  # fmt: skip
    watch.on_conclude = transport.conclude
    return watch


def replay(
    provider: str,
    paths: Iterable[str | Path | Cassette],
    *,
    profile: str = "documented",
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    progress: Progress | None = None,
) -> Report:
    """Run the scenario catalogue against the cassettes at *paths*; the suite's report."""
    options = SuiteOptions(
        profile=profile, seed=0, only=tuple(only), skip=tuple(skip), scenarios_only=True
    )
    with replay_target(provider, paths, profile=profile) as target:
        return run_suite(target, options, progress=progress)
