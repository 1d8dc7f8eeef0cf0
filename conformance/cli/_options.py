"""Options several commands share, written once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .._constants import DEFAULT_PROFILE, PROFILES

__all__ = ["Seconds", "credential_options", "delivery_options", "profile_option"]

#: ``--profile``: which contract a command holds what it sees to.
profile_option = click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="documented contract, or plus observed behaviour",
)


if TYPE_CHECKING:  # click 8.3 made ParamType generic; older clicks cannot subscript it
    _ParamType = click.ParamType[float, Any]
else:
    _ParamType = click.ParamType


class Seconds(_ParamType):
    """A finite number of seconds from *minimum* to a day: ``nan``, ``inf`` and ``1e309`` are not.

    (click's ``FloatRange`` lets ``nan`` through: it compares false with every bound.)
    """

    name = "seconds"

    def __init__(self, minimum: float) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..suite._target import MAX_SECONDS

        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and self.minimum <= number <= MAX_SECONDS):
            self.fail(
                f"must be a number of seconds from {self.minimum:g} to {MAX_SECONDS:g}; "
                f"got {value!r}",
                param,
                ctx,
            )
        return number


def _stack(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """One decorator applying *options* so that ``--help`` lists them in this order."""

    def decorate(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


#: The sandbox credential options (``check`` and ``record``).
credential_options = _stack([
    click.option("--server-key", help="Midtrans server key [env: MIDTRANS_SERVER_KEY]"),
    click.option("--client-key", help="Midtrans client key [env: MIDTRANS_CLIENT_KEY]"),
    click.option("--client-id", help="Pivot client id [env: PIVOT_CLIENT_ID]"),
    click.option("--client-secret", help="Pivot client secret [env: PIVOT_CLIENT_SECRET]"),
])  # fmt: skip

_MODES = ("auto", "require", "off")  # conformance.suite._deliveries.DELIVERY_MODES
_DELIVERIES_HELP = (
    "check the notifications (Midtrans) or callbacks (Pivot) each accepted capture causes: "
    "'require' fails a capture whose delivery did not come; 'auto' does too, but skips the "
    "check with a note when no delivery at all reached the receiver (a target that cannot "
    "reach it); 'off' sends no X-Override-Notification and checks nothing"
)


def delivery_options(
    mode: str, timeout: float, *, listen: str | None = None
) -> Callable[[Any], Any]:
    """``--deliveries`` and ``--delivery-timeout`` (defaults *mode*, *timeout*).

    With *listen*, the verb of the command (``check``, ``record``): also
    ``--callback-listen`` and ``--notification-url``, where the receiver listens and
    the URL a target reaches it by.
    """
    options = [
        click.option("--deliveries", type=click.Choice(_MODES), default=mode,
                     show_default=True, help=_DELIVERIES_HELP),
        click.option("--delivery-timeout", type=Seconds(0.01), default=timeout,
                     show_default=True, help="seconds a capture's delivery may take"),
    ]  # fmt: skip
    if listen is not None:
        options += [
            click.option("--callback-listen", metavar="HOST:PORT",
                         help="where the kit's receiver listens for deliveries (Midtrans "
                         f"default: a free loopback port; Pivot: required to {listen} "
                         "callbacks, with the sandbox's callback URL set to it)"),
            click.option("--notification-url", metavar="URL",
                         help="Midtrans: the URL sent in X-Override-Notification, when the "
                         "target reaches the receiver by another address (a tunnel); "
                         "default: the receiver's own"),
        ]  # fmt: skip
    return _stack(options)
