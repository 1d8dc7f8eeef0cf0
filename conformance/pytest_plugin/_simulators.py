"""Reference simulators as pytest fixtures: served on loopback, or in-process for httpx.

``midtrans_simulator`` / ``pivot_simulator``
    a simulator served by uvicorn on ``127.0.0.1`` (any HTTP client, any
    library), started once per session (once per xdist worker) and reset
    through ``/_sim/reset`` before each test: no state, fault, clock offset or
    quirk leaks from one test into the next.
``midtrans_simulator_app`` / ``pivot_simulator_app``
    a fresh simulator per test, in-process: ``.client`` is an
    :class:`httpx.Client` bound to it through an ASGI transport (no socket),
    ``.async_client()`` an :class:`httpx.AsyncClient`, ``.app`` the ASGI app.

Both are a :class:`SimulatorHandle`::

    def test_capture(midtrans_simulator):
        auth = midtrans_simulator.authorize(30_000)      # token, then charge authorize
        midtrans_simulator.fail_next(412)                # the next request answers 412
        reply = my_client(midtrans_simulator.base_url).capture(auth.id, 30_000)

The setup flows are the suite's own (:class:`conformance.suite.Setup`), so an
authorization made here is made exactly as the conformance suite makes one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

    from ..simulators import Simulator
    from ..simulators._deliveries import Delivery
    from ..suite import Authorization, Credentials, Setup, Target

__all__ = [
    "SimulatorHandle",
    "midtrans_simulator",
    "midtrans_simulator_app",
    "pivot_simulator",
    "pivot_simulator_app",
]


class SimulatorHandle:
    """One provider's reference simulator for one test, and shortcuts to drive it.

    ``base_url``, ``credentials`` (made-up sandbox ones the simulator accepts),
    ``client`` (an :class:`httpx.Client` on ``base_url``), ``simulator`` (the
    :class:`~conformance.simulators.Simulator` itself) and ``app`` (its ASGI app).
    """

    def __init__(self, simulator: Simulator, target: Target, *, in_process: bool) -> None:
        from ..suite import Setup

        self.simulator = simulator
        self.provider: str = simulator.provider
        self.in_process = in_process
        self._target = target
        self._setup: Setup = Setup(target)

    def __repr__(self) -> str:
        return f"<{self.provider} simulator at {self.base_url}>"

    @property
    def base_url(self) -> str:
        return str(self._target.client.base_url).rstrip("/")

    @property
    def credentials(self) -> Credentials:
        return self._target.credentials

    @property
    def client(self) -> httpx.Client:
        return self._target.client

    @property
    def app(self) -> Starlette:
        return self.simulator.app

    def async_client(self) -> httpx.AsyncClient:
        """An :class:`httpx.AsyncClient` on the simulator (in-process for the ``_app`` fixtures)."""
        import httpx

        if self.in_process:
            transport = httpx.ASGITransport(app=self.app)
            return httpx.AsyncClient(base_url=self.base_url, transport=transport)
        return httpx.AsyncClient(base_url=self.base_url)

    # -- the provider's own setup flows ----------------------------------------------
    def authorize(self, amount: int | None = None) -> Authorization:
        """An authorized, uncaptured transaction (Midtrans) or payment session (Pivot).

        Midtrans: ``GET /v2/token`` then ``POST /v2/charge`` with ``type: authorize``;
        Pivot: an access token, then a manual-capture card payment session.
        ``.id`` is what the capture call takes; ``.amount`` what was authorized.
        """
        setup = self._setup
        found = setup.authorize(_ignore) if amount is None else setup.authorize(_ignore, amount)
        assert found is not None  # only a given list of authorizations runs out
        return found

    def auth_headers(self) -> dict[str, str]:
        """Headers of an authenticated call: Midtrans ``Basic``, Pivot ``Bearer <token>``."""
        return self._setup.auth_headers(_ignore)

    # -- the control API (/_sim/) -----------------------------------------------------
    def fail_next(self, status: int, *, count: int = 1, path: str | None = None) -> None:
        """The next *count* requests (under *path*, if given) answer *status*.

        The error body is in the provider's own shape: ``fail_next(412)`` on
        Midtrans answers a ``status_code: "412"`` body, as the sandbox would.
        """
        self.fault("error", status=status, count=count, path=path)

    def fault(self, kind: str, **settings: Any) -> None:
        """Queue any fault of the control API: ``latency``, ``error``, ``non-json``, …"""
        given = {k: v for k, v in settings.items() if v is not None}
        self._control("POST", "/faults", {"kind": kind, **given})

    def set_quirk(self, name: str | None) -> None:
        """Switch on one deliberate non-conformance (see ``conformance.simulators.QUIRKS``)."""
        self._control("PUT", "/quirk", {"name": name})

    def advance_clock(self, seconds: float) -> None:
        """Move the simulator's clock forward (expiring tokens and authorizations)."""
        self._control("POST", "/clock", {"advance": seconds})

    def state(self) -> dict[str, Any]:
        """The control API's picture of the simulator: clock, faults, quirk, stored state."""
        return self._control("GET", "/state", None)

    def reset(self) -> None:
        """Forget every transaction, token, fault, clock offset, delivery and the quirk."""
        self._control("POST", "/reset", None)
        self._control("PUT", "/quirk", {"name": None})
        self.simulator.deliver_to(None)
        self._setup.forget_token()

    # -- deliveries: Midtrans notifications, Pivot callbacks -------------------------
    def deliver_to(self, target: Any, *, url: str | None = None) -> None:
        """Send the simulator's deliveries to *target*: a URL, or an ASGI or WSGI app.

        An app is called in-process, so no socket is needed::

            midtrans_simulator_app.deliver_to(my_webhook_app)   # Starlette, Flask, Django…
        """
        self.simulator.deliver_to(target, url=url)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery made so far, oldest first, each with its attempts and outcome."""
        if not self.in_process:
            self._control("POST", "/deliveries/flush", None)
        return list(self.simulator.deliveries)

    def notify(
        self, ident: str, variant: str = "genuine", *, status: str | None = None,
        delay: float | None = None,
    ) -> list[Delivery]:  # fmt: skip
        """Fire a delivery for a transaction or payment session now, as ``stripe trigger`` does.

        *variant*: ``genuine``, ``duplicate``, ``out-of-order``, ``extra-fields``,
        ``slow``, ``failed``, and ``forged-signature`` (Midtrans) or ``wrong-key``
        / ``missing-key`` (Pivot). Returns the deliveries made, first attempt done.
        """
        if self.in_process:
            return self.simulator.notify(ident, variant, status=status, delay=delay)
        before = len(self.simulator.deliveries)
        given = {"id": ident, "variant": variant, "status": status, "delay": delay, "wait": True}
        self._control("POST", "/deliveries", {k: v for k, v in given.items() if v is not None})
        return list(self.simulator.deliveries[before:])

    def _control(self, method: str, path: str, body: Any) -> dict[str, Any]:
        from ..simulators import CONTROL_PREFIX

        response = self.client.request(method, CONTROL_PREFIX + path, json=body)
        answer: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise ValueError(
                f"the {self.provider} simulator refused {method} {CONTROL_PREFIX}{path}: "
                f"{answer.get('error')!r}"
            )
        return answer

    def close(self) -> None:
        self._target.close()


def _ignore(exchange: object) -> None:
    """Setup exchanges are not judged here: the simulators are the reference."""


def _made_up_credentials() -> Credentials:
    from ..suite import Credentials

    # Never the environment's: a user's real sandbox keys have no business here.
    return Credentials.resolve(env={})


def _served_fixture(provider: str) -> Callable[[], Iterator[tuple[Simulator, str]]]:
    @pytest.fixture(scope="session", name=f"_{provider}_simulator_server")
    def server() -> Iterator[tuple[Simulator, str]]:
        from ..simulators import create
        from ..simulators._serve import served

        simulator = create(provider)
        with served(simulator.app) as url:
            yield simulator, url

    return server


def _handle_fixture(provider: str) -> Callable[..., Iterator[SimulatorHandle]]:
    @pytest.fixture(name=f"{provider}_simulator")
    def handle(request: pytest.FixtureRequest) -> Iterator[SimulatorHandle]:
        from ..suite import Target

        simulator, url = request.getfixturevalue(f"_{provider}_simulator_server")
        target = Target(provider, base_url=url, credentials=_made_up_credentials())
        sim = SimulatorHandle(simulator, target, in_process=False)
        try:
            sim.reset()
            yield sim
        finally:
            sim.close()

    return handle


def _app_fixture(provider: str) -> Callable[[], Iterator[SimulatorHandle]]:
    @pytest.fixture(name=f"{provider}_simulator_app")
    def handle() -> Iterator[SimulatorHandle]:
        from ..simulators import create
        from ..suite import Target

        simulator = create(provider)
        target = Target(provider, app=simulator.app, credentials=_made_up_credentials())
        sim = SimulatorHandle(simulator, target, in_process=True)
        try:
            yield sim
        finally:
            sim.close()

    return handle


_midtrans_simulator_server = _served_fixture("midtrans")
_pivot_simulator_server = _served_fixture("pivot")
midtrans_simulator = _handle_fixture("midtrans")
pivot_simulator = _handle_fixture("pivot")
midtrans_simulator_app = _app_fixture("midtrans")
pivot_simulator_app = _app_fixture("pivot")
