"""The settings of ``--capture-conformance``: options, ini values and how they are read.

Settings are read command-line option first, then the ini value
(``--conformance-seed`` > ``conformance_seed``); there is no fixture or marker
level: the run belongs to the session, not to a test.

>>> [flag for _, flag, _, _ in SUITE_OPTIONS][:2]
['--capture-conformance', '--conformance-base-url']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .._constants import PROFILES, PROVIDERS
from ..errors import ConformanceError, UsageError

#: As ``check --deliveries`` (conformance.suite._deliveries.DELIVERY_MODES; not imported
#: here, so that ``pytest --help`` stays cheap).
DELIVERY_MODES = ("auto", "require", "off")

__all__ = [
    "SUITE_OPTIONS",
    "SuiteSettings",
    "add_options",
    "check_profile",
    "read_settings",
    "usage_message",
]

#: ``(ini name = option dest, flag, argparse settings, help)`` of every suite setting.
SUITE_OPTIONS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("capture_conformance", "--capture-conformance", {"choices": PROVIDERS},
     "run the conformance suite of this provider against --conformance-base-url, "
     "as test items"),
    ("conformance_base_url", "--conformance-base-url", {"metavar": "URL"},
     "the suite's target, e.g. https://api.sandbox.midtrans.com"),
    ("conformance_server_key", "--conformance-server-key", {"metavar": "KEY"},
     "Midtrans server key [env: MIDTRANS_SERVER_KEY]"),
    ("conformance_client_key", "--conformance-client-key", {"metavar": "KEY"},
     "Midtrans client key [env: MIDTRANS_CLIENT_KEY]"),
    ("conformance_client_id", "--conformance-client-id", {"metavar": "ID"},
     "Pivot client id [env: PIVOT_CLIENT_ID]"),
    ("conformance_client_secret", "--conformance-client-secret", {"metavar": "SECRET"},
     "Pivot client secret [env: PIVOT_CLIENT_SECRET]"),
    ("conformance_examples", "--conformance-examples", {"type": int, "metavar": "N"},
     "hypothesis examples per property/stateful run (default as check: 10)"),
    ("conformance_seed", "--conformance-seed", {"type": int, "metavar": "N"},
     "replay a run exactly (default: random, shown in the header)"),
    ("conformance_timeout", "--conformance-timeout", {"type": float, "metavar": "S"},
     "seconds per request (default as check: 10)"),
    ("conformance_time_limit", "--conformance-time-limit", {"type": float, "metavar": "S"},
     "seconds for the whole run (default as check: 300)"),
    ("conformance_authorizations", "--conformance-authorizations", {"metavar": "FILE"},
     "JSON/YAML list of pre-authorized {id, amount} (for 3DS targets)"),
    ("conformance_concurrency", "--conformance-concurrency", {"type": int, "metavar": "N"},
     "property and stateful runs sent at once (default as check: 3)"),
    ("conformance_allow_production", "--conformance-allow-production", {"action": "store_true"},
     "allow the provider's production host (the suite captures money)"),
    ("conformance_cassettes", "--conformance-cassettes", {"action": "append", "metavar": "PATH"},
     "re-check recorded cassettes (files or folders; repeatable) offline instead of a "
     "live target: the scenario catalogue, as check --cassette"),
    ("conformance_deliveries", "--conformance-deliveries", {"choices": DELIVERY_MODES},
     "check the notifications/callbacks accepted captures cause, as check --deliveries: "
     "auto (default; skipped with a note when none reaches the receiver), require, off"),
    ("conformance_delivery_timeout", "--conformance-delivery-timeout",
     {"type": float, "metavar": "S"}, "seconds a capture's delivery may take (default 5)"),
    ("conformance_callback_listen", "--conformance-callback-listen", {"metavar": "HOST:PORT"},
     "where the receiver listens (Midtrans default: a free loopback port; Pivot: needed "
     "to check callbacks, with the sandbox's callback URL set to it)"),
    ("conformance_notification_url", "--conformance-notification-url", {"metavar": "URL"},
     "Midtrans: the X-Override-Notification URL when the target reaches the receiver by "
     "another address"),
    ("conformance_callback_key", "--conformance-callback-key", {"metavar": "KEY"},
     "Pivot callback key checked against X-API-Key [env: PIVOT_CALLBACK_KEY]"),
    ("conformance_report_json", "--conformance-report-json", {"metavar": "PATH"},
     "write the suite's JSON report, as check --report-json (every finding, whole)"),
)  # fmt: skip


def add_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    """Register every suite setting as ``--flag`` and as the ini value of the same name."""
    for name, flag, settings, text in SUITE_OPTIONS:
        group.addoption(flag, dest=name, default=None, help=f"{text} (ini: {name})", **settings)
        if settings.get("action") == "store_true":
            parser.addini(name, help=f"default {flag}", type="bool", default=False)
        elif settings.get("action") == "append":
            parser.addini(name, help=f"default {flag} (one or more)", type="args", default=[])
        else:
            parser.addini(name, help=f"default {flag}", default="")


def usage_message(exc: ConformanceError, config: pytest.Config | None = None) -> str:
    """*exc* as the plugin's user reads it: a setting named by its pytest option.

    With *config*, the line is scrubbed of the run's credentials (options, ini
    values, environment) in every form they travel in: a refused setup may echo them.

    >>> usage_message(UsageError("{option} must be at least 1; got 0", option="examples"))
    '--conformance-examples must be at least 1; got 0'
    """
    if isinstance(exc, UsageError):
        text = exc.spelled(lambda name: f"--conformance-{name}")
    else:
        text = str(exc)
    if config is None:
        return text
    import os

    from ..reports._redact import Redactor, credentials_redactor

    scrub = credentials_redactor(config.invocation_params.args, os.environ)
    ini = [str(_value(config, f"conformance_{name}") or "") for name in _CREDENTIALS]
    return Redactor([], extra=[*scrub.secrets, *ini])(scrub(text))


def _value(config: pytest.Config, name: str) -> Any:
    """The command-line option if given, else the ini value (``""``/``False`` when unset)."""
    given = config.getoption(name)
    return given if given is not None else config.getini(name)


def _number(config: pytest.Config, name: str, kind: type[int] | type[float]) -> Any:
    value = _value(config, name)
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"ini {name} must be {what}; got {value!r}") from None


@dataclass(frozen=True)
class SuiteSettings:
    """What ``--capture-conformance`` runs: the target, its credentials, the suite options."""

    provider: str
    base_url: str
    credentials: Any  # conformance.suite.Credentials (imported lazily)
    options: Any  # conformance.suite.SuiteOptions
    timeout: float
    #: Recorded cassettes to replay instead of a live target (``--conformance-cassettes``).
    cassettes: tuple[str, ...] = ()
    #: How deliveries are checked, as ``check --deliveries`` and its companions.
    deliveries: str = "auto"
    delivery_timeout: float = 5.0
    callback_listen: str | None = None
    notification_url: str | None = None
    #: Where the JSON report goes (``--conformance-report-json``), or None.
    report_json: str | None = None

    def replay(self, seed: int) -> str:
        options = self.options
        return (
            f"--conformance-seed {seed} --conformance-examples {options.examples} "
            f"--conformance-profile {options.profile}"
        )


def read_settings(config: pytest.Config) -> SuiteSettings | None:
    """The suite settings (option > ini), ``None`` without ``--capture-conformance``.

    Every bad value is a :class:`pytest.UsageError` of one line.
    """
    provider = _value(config, "capture_conformance")
    if not provider:
        return None
    _check_ini_choice("capture_conformance", provider, PROVIDERS)
    cassettes = tuple(_value(config, "conformance_cassettes") or ())
    base_url = _value(config, "conformance_base_url")
    if cassettes and base_url:
        raise pytest.UsageError(
            "give --conformance-base-url (a live target) or --conformance-cassettes "
            "(a recording), not both"
        )
    if not base_url and not cassettes:
        raise pytest.UsageError(
            f"--capture-conformance={provider} needs a target: --conformance-base-url=URL "
            "(or ini conformance_base_url), or --conformance-cassettes=PATH"
        )
    profile = _value(config, "conformance_profile")
    _check_ini_choice("conformance_profile", profile, PROFILES)
    from .._constants import (
        DEFAULT_CONCURRENCY,
        DEFAULT_EXAMPLES,
        DEFAULT_TIME_LIMIT,
        DEFAULT_TIMEOUT,
    )
    from .._hosts import guard_production
    from ..suite import Credentials, SuiteOptions, load_authorizations
    from ..suite._target import check_seconds

    examples = _number(config, "conformance_examples", int)
    seed = _number(config, "conformance_seed", int)
    timeout = _number(config, "conformance_timeout", float)
    time_limit = _number(config, "conformance_time_limit", float)
    concurrency = _number(config, "conformance_concurrency", int)
    given = _value(config, "conformance_authorizations")
    deliveries = _value(config, "conformance_deliveries") or "auto"
    _check_ini_choice("conformance_deliveries", deliveries, DELIVERY_MODES)
    delivery_timeout = _number(config, "conformance_delivery_timeout", float)
    try:
        if delivery_timeout is not None:
            delivery_timeout = check_seconds(
                delivery_timeout, option="delivery-timeout", minimum=0.01
            )
        if base_url:
            allow = bool(_value(config, "conformance_allow_production"))
            guard_production(provider, base_url, allow)
        # (examples and seed are checked by SuiteOptions, as for check)
        _in_range("concurrency", concurrency, 1, 16)  # as check --concurrency
        if timeout is not None:
            timeout = check_seconds(timeout, option="timeout")
        if time_limit is not None:
            time_limit = check_seconds(time_limit, option="time-limit", minimum=0.001)
        options = SuiteOptions(
            profile=profile,
            examples=DEFAULT_EXAMPLES if examples is None else examples,
            time_limit=DEFAULT_TIME_LIMIT if time_limit is None else time_limit,
            authorizations=tuple(load_authorizations(given)) if given else None,
            # A recording holds the scenario catalogue only (the deterministic part).
            scenarios_only=bool(cassettes),
            concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
            **({} if seed is None else {"seed": seed}),
        )
        credentials = Credentials.resolve(
            **{name: _value(config, f"conformance_{name}") or None for name in _CREDENTIALS}
        )
        report_json = _value(config, "conformance_report_json") or None
        if report_json:
            from .._files import check_writable

            check_writable(report_json, option="conformance-report-json")
    except ConformanceError as exc:
        raise pytest.UsageError(usage_message(exc, config)) from None
    return SuiteSettings(
        provider,
        base_url or "",
        credentials,
        options,
        DEFAULT_TIMEOUT if timeout is None else timeout,
        cassettes,
        deliveries,
        5.0 if delivery_timeout is None else delivery_timeout,
        _value(config, "conformance_callback_listen") or None,
        _value(config, "conformance_notification_url") or None,
        report_json,
    )


_CREDENTIALS = ("server_key", "client_key", "client_id", "client_secret", "callback_key")


def _in_range(option: str, value: int | None, low: int, high: int) -> None:
    """A whole-number setting outside *low*..*high*: the usage error the CLI gives."""
    if value is not None and not low <= value <= high:
        raise UsageError(f"{{option}} must be from {low} to {high}; got {value}", option=option)


def _check_ini_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Refuse, as the one-line usage error every ini choice gives, a *value* not in *choices*."""
    if value not in choices:
        raise pytest.UsageError(f"ini {name} must be one of {', '.join(choices)}; got {value!r}")


def check_profile(config: pytest.Config) -> None:
    """Refuse at startup an ini ``conformance_profile`` that is no profile.

    The command-line option has ``choices`` (argparse refuses a bad one at once);
    the ini value would otherwise fail only in the first test that reads it.
    """
    if config.getoption("--conformance-profile") is not None:
        return  # the option wins, and argparse checked it
    _check_ini_choice("conformance_profile", config.getini("conformance_profile"), PROFILES)


#: ``conformance_traffic``'s modes (the same as ``conformance._traffic._session.MODES``).
TRAFFIC_MODES = ("route", "judge")


def check_traffic(config: pytest.Config) -> None:
    """Refuse at startup an ini ``conformance_traffic`` that is no mode (see ``check_profile``)."""
    if config.getoption("--conformance-traffic") is not None:
        return
    _check_ini_choice("conformance_traffic", config.getini("conformance_traffic"), TRAFFIC_MODES)
