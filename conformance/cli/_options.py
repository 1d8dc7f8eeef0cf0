"""Options several commands share, written once."""

from __future__ import annotations

import click

from .._constants import DEFAULT_PROFILE, PROFILES

__all__ = ["profile_option"]

#: ``--profile``: which contract a command holds what it sees to.
profile_option = click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="documented contract, or plus observed behaviour",
)
