"""The receiver wired to a suite run: where ``check``, ``run`` and the plugin get their deliveries.

``run`` (and the gallery) point an in-process simulator's deliveries at an
:class:`~conformance.receiver.Inbox` through :class:`ReceiverApp`, no socket
needed (:func:`attach`, :func:`simulator_target`). ``check`` and the plugin's
``--capture-conformance`` serve the receiver on loopback, or where
``--callback-listen`` says, for as long as the run lasts (:func:`listening`).

>>> from conformance.simulators import create
>>> deliveries = attach(create("midtrans"))
>>> deliveries.headers("POST", "/v2/capture")
{'X-Override-Notification': 'http://receiver.capture-conformance.invalid/notifications'}
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import UsageError
from ..simulators import Simulator, create
from ..simulators._serve import served
from ..suite import Credentials, Target
from ..suite._deliveries import CHECK_DELIVERY_TIMEOUT, RUN_DELIVERY_TIMEOUT, Deliveries
from ._app import ReceiverApp
from ._inbox import Inbox

__all__ = ["RUN_CALLBACK_KEY", "attach", "listening", "parse_listen", "simulator_target"]

#: The Pivot "Callback API Key" of ``run``'s simulator when none is given (made up).
RUN_CALLBACK_KEY = "pivot-callback-key-conformance-kit"
#: Where in-process deliveries are addressed (``.invalid``: never resolved; the app gets them).
IN_PROCESS_URL = "http://receiver.capture-conformance.invalid"
_PATH = {"midtrans": "/notifications", "pivot": "/callbacks"}


def attach(
    sim: Simulator,
    *,
    mode: str = "require",
    timeout: float = RUN_DELIVERY_TIMEOUT,
    credentials: Credentials | None = None,
    profile: str = "documented",
) -> Deliveries:
    """Send *sim*'s deliveries in-process to a new inbox; the :class:`Deliveries` that waits on it.

    Midtrans notifications are signed with the key of the charge, the run's server
    key; Pivot callbacks carry the simulator's ``callback_key``.
    """
    provider = sim.provider
    if mode == "off":
        return Deliveries(provider, None, mode="off", timeout=timeout)
    credentials = credentials or Credentials.resolve()
    inbox = Inbox(
        provider,
        server_key=credentials.server_key if provider == "midtrans" else None,
        callback_key=getattr(sim, "callback_key", None) if provider == "pivot" else None,
        profile=profile,
        target="in-process receiver",
    )
    url = IN_PROCESS_URL + _PATH[provider]
    sim.deliver_to(ReceiverApp(inbox), url=url)
    return Deliveries(
        provider, inbox, mode=mode, timeout=timeout, notification_url=url,
        receiver="the in-process receiver",
    )  # fmt: skip


def simulator_target(
    provider: str,
    *,
    deliveries: str = "require",
    delivery_timeout: float = RUN_DELIVERY_TIMEOUT,
    profile: str = "documented",
    credentials: Credentials | None = None,
    **options: Any,
) -> Target:
    """An in-process target: a fresh simulator (*options*: ``quirk``, ``settle``, ...)
    whose deliveries the suite checks (*deliveries*: ``require``, ``auto`` or ``off``).

    >>> from conformance.suite import SuiteOptions, run_suite
    >>> with simulator_target("pivot", quirk="no-callback") as target:
    ...     report = run_suite(target, SuiteOptions(examples=2, seed=1))
    >>> "pivot.notification.delivered" in report.checks_failed()
    True
    """
    credentials = credentials or Credentials.resolve()
    if provider == "pivot":
        options.setdefault("callback_key", credentials.callback_key or RUN_CALLBACK_KEY)
    sim = create(provider, **options)
    watch = attach(
        sim, mode=deliveries, timeout=delivery_timeout, credentials=credentials, profile=profile
    )
    return Target(provider, app=sim.app, credentials=credentials, profile=profile, deliveries=watch)


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8090`` for IPv6) as a pair; a usage error when it is not one.

    >>> parse_listen("127.0.0.1:8090"), parse_listen("[::1]:0")
    (('127.0.0.1', 8090), ('::1', 0))
    """
    host, sep, port = value.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(
            f"{{option}} must be HOST:PORT, e.g. 0.0.0.0:8090; got {value!r}",
            option="callback-listen",
        )
    return host, int(port)


@contextlib.contextmanager
def listening(
    provider: str,
    *,
    mode: str = "auto",
    timeout: float = CHECK_DELIVERY_TIMEOUT,
    listen: str | None = None,
    notification_url: str | None = None,
    credentials: Credentials | None = None,
    profile: str = "documented",
    option: Callable[[str], str] = "--{}".format,
) -> Iterator[Deliveries]:
    """A receiver served for the run of ``check`` (a thread), and the checks that wait on it.

    Midtrans: on ``--callback-listen`` or else a free loopback port, named in every
    charge's and capture's ``X-Override-Notification`` (``--notification-url`` when
    the target reaches it by another address). Pivot: only with ``--callback-listen``
    (its callback URL is a dashboard setting); without it the check is skipped.
    *option* spells a setting in notes (the plugin's are ``--conformance-…``).
    """
    if provider == "pivot" and notification_url is not None:
        raise UsageError(
            "{option} is for midtrans; pivot's URL is set in its dashboard",
            option="notification-url",
        )
    if mode == "off" or (provider == "pivot" and listen is None):
        unavailable = (
            "Pivot callbacks not checked: Pivot sends them to the callback URL set in its "
            f"dashboard. To check them, give {option('callback-listen')} HOST:PORT, set the "
            f"sandbox's callback URL to that address, and give {option('callback-key')} (or "
            "PIVOT_CALLBACK_KEY)."
        )
        yield Deliveries(
            provider, None, mode=mode, timeout=timeout, unavailable=unavailable, option=option
        )
        return
    host, port = parse_listen(listen) if listen is not None else ("127.0.0.1", 0)
    credentials = credentials or Credentials.resolve()
    inbox = Inbox(
        provider,
        server_key=credentials.server_key if provider == "midtrans" else None,
        callback_key=credentials.callback_key if provider == "pivot" else None,
        profile=profile,
        target=f"{host}:{port}",
    )
    try:
        serving = served(ReceiverApp(inbox), host, port)
        url = serving.__enter__()
    except (OSError, RuntimeError) as exc:
        raise UsageError(
            f"cannot listen for deliveries on {host}:{port}: {exc}", option="callback-listen"
        ) from None
    try:
        if provider == "midtrans":
            hint = (
                f"A target that is not on this machine needs a way back: "
                f"{option('callback-listen')} HOST:PORT where it can reach, and "
                f"{option('notification-url')} URL if it reaches that address by another "
                "name (a tunnel)."
            )
        else:
            hint = f"Set the sandbox's callback URL (dashboard) to {url}{_PATH[provider]}."
        yield Deliveries(
            provider, inbox, mode=mode, timeout=timeout, hint=hint, receiver=url,
            notification_url=notification_url or url + _PATH[provider], option=option,
        )  # fmt: skip
    finally:
        serving.__exit__(None, None, None)
