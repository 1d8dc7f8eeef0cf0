"""pytest plugin, registered through the ``pytest11`` entry point.

Only hooks, options and fixtures live here; everything heavy is imported
lazily, so a pytest run that does not use the plugin pays nothing for it.

Settings precedence (highest first): fixture argument > marker > command-line
option > ini value. This module reads them in that order, in ``_setting``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .._constants import DEFAULT_PROFILE, PROFILES
from ._answers import MARKER as _ANSWERS_MARKER
from ._answers import conformance_answer, pytest_generate_tests  # noqa: F401
from ._deliveries import conformance_deliveries  # noqa: F401
from ._settings import TRAFFIC_MODES, check_traffic
from ._simulators import (  # noqa: F401  (fixtures: pytest finds them in this module)
    SimulatorHandle,
    _midtrans_simulator_server,
    _pivot_simulator_server,
    midtrans_simulator,
    midtrans_simulator_app,
    pivot_simulator,
    pivot_simulator_app,
)

if TYPE_CHECKING:
    from .._traffic import Traffic
    from ..validator import Validator

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
    group.addoption(
        "--conformance-traffic",
        choices=TRAFFIC_MODES,
        default=None,
        help="conformance_traffic: route provider calls to the simulators, or judge whatever "
        "answers them (a sandbox, a pytest-recording cassette) (default: ini "
        "conformance_traffic, else route)",
    )
    parser.addini(
        "conformance_traffic",
        help=f"default --conformance-traffic ({' or '.join(TRAFFIC_MODES)})",
        default="route",
    )
    from ._settings import add_options

    add_options(parser, group)  # --capture-conformance and the suite's settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "conformance(profile=..., traffic='route'|'judge'): settings for the "
        "capture-conformance fixtures of this test",
    )
    config.addinivalue_line("markers", _ANSWERS_MARKER)
    from ._settings import check_profile

    check_profile(config)  # a bad ini value stops the run at once, as a bad option does
    check_traffic(config)
    if config.getoption("capture_conformance") or config.getini("capture_conformance"):
        from ._suite import SuitePlugin

        config.pluginmanager.register(SuitePlugin(config), "capture-conformance-suite")


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


def _where(request: pytest.FixtureRequest, name: str) -> str:
    """Which setting gave *name*: the marker, the command-line option or the ini value."""
    marker = request.node.get_closest_marker("conformance")
    if marker is not None and name in marker.kwargs:
        return f"@pytest.mark.conformance({name}=...)"
    if request.config.getoption(f"--conformance-{name}") is not None:
        return f"--conformance-{name}"
    return f"ini conformance_{name}"


@pytest.fixture
def conformance_validator(request: pytest.FixtureRequest) -> Callable[..., Validator]:
    """A factory of validators honouring the profile setting::

    def test_reply(conformance_validator):
        assert conformance_validator("midtrans").validate_response("capture", body) == []
    """
    from ..validator import Validator

    def make(provider: str, *, profile: str | None = None) -> Validator:
        return Validator(provider, profile=_setting(request, "profile", profile))

    return make


_TRAFFIC = pytest.StashKey["Traffic"]()


@pytest.fixture
def conformance_traffic(request: pytest.FixtureRequest) -> Iterator[Traffic]:
    """Routes the test's calls to the provider sandboxes to in-process simulators, and judges them.

    def test_checkout(conformance_traffic):
        order = conformance_traffic.authorize("midtrans", 30000)
        my_checkout.capture(order, 30000)  # requests/httpx, sync or async: no network

    Every exchange is validated when the test ends; a violation fails the test.
    With ``@pytest.mark.conformance(traffic="judge")`` (or ``--conformance-traffic``,
    ini ``conformance_traffic``) nothing is routed: whatever answers the calls (a
    sandbox, a ``@pytest.mark.vcr`` cassette) is judged.
    """
    from .._constants import PROFILES
    from .._traffic import intercept
    from ..errors import UsageError

    problem = None
    profile, mode = _setting(request, "profile"), _setting(request, "traffic")
    for name, value, allowed in (("profile", profile, PROFILES), ("traffic", mode, TRAFFIC_MODES)):
        if value not in allowed:
            where = _where(request, name)
            pytest.fail(
                f"conformance_traffic: {where} must be one of {', '.join(allowed)}; got {value!r}",
                pytrace=False,
            )
    try:
        with intercept(profile=profile, mode=mode) as traffic:
            request.node.stash[_TRAFFIC] = traffic
            yield traffic
    except UsageError as exc:
        problem = f"conformance_traffic: {exc}"
    if problem is not None:  # outside the except: one line, no chained exception
        pytest.fail(problem, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    traffic = item.stash.get(_TRAFFIC, None)
    if traffic is None:
        return (yield)
    from ..errors import UsageError
    from ._traffic import settle

    problem = None
    try:
        outcome = yield
    except UsageError as exc:  # a bad setting, e.g. conformance_traffic.profile = "x"
        problem = f"conformance_traffic: {exc}"
    except Exception as exc:
        settle(item, traffic, exc)  # the test's own failure, plus what its traffic broke
        raise
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    settle(item, traffic, None)
    return outcome
