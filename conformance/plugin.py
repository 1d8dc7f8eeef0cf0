"""pytest plugin, registered through the ``pytest11`` entry point.

Only hooks, options and fixtures live here; everything heavy is imported
lazily, so a pytest run that does not use the plugin pays nothing for it.

Settings precedence (highest first): fixture argument > marker > command-line
option > ini value. This module reads them in that order, in ``_setting``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from ._constants import DEFAULT_PROFILE, PROFILES

if TYPE_CHECKING:
    from .validator import Validator

GROUP = "capture-conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "capture-conformance: payment capture contract checks")
    group.addoption(
        "--conformance-profile",
        choices=PROFILES,
        default=None,
        help=f"which contract to hold traffic to: {' or '.join(PROFILES)} "
        f"(default: ini conformance_profile, else {DEFAULT_PROFILE})",
    )
    parser.addini(
        "conformance_profile",
        help=f"default --conformance-profile ({' or '.join(PROFILES)})",
        default=DEFAULT_PROFILE,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "conformance(profile=...): settings for the capture-conformance fixtures of this test",
    )


def _setting(request: pytest.FixtureRequest, name: str, override: Any = None) -> Any:
    """fixture argument > ``@pytest.mark.conformance(name=...)`` > ``--conformance-name`` > ini."""
    if override is not None:
        return override
    marker = request.node.get_closest_marker("conformance")
    if marker is not None and name in marker.kwargs:
        return marker.kwargs[name]
    cli = request.config.getoption(f"--conformance-{name}")
    if cli is not None:
        return cli
    return request.config.getini(f"conformance_{name}")


@pytest.fixture
def conformance_validator(request: pytest.FixtureRequest) -> Callable[..., Validator]:
    """A factory of validators honouring the profile setting::

    def test_reply(conformance_validator):
        assert conformance_validator("midtrans").validate_response("capture", body) == []
    """
    from .validator import Validator

    def make(provider: str, *, profile: str | None = None) -> Validator:
        return Validator(provider, profile=_setting(request, "profile", profile))

    return make
