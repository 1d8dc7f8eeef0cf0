"""The conformance suite inside a pytest run: ``pytest --capture-conformance=midtrans``.

    pytest --capture-conformance=midtrans --conformance-base-url=http://127.0.0.1:8000

The suite runs **once per pytest run**, at session start, in the main process
(the xdist controller under ``-n``), exactly as ``capture-conformance check``
would run it; a target that cannot be reached, refused credentials, a bad URL,
a bad setting or the production guard stop the run there with one ``ERROR:``
line (exit 4). A run the time limit stopped skips the cases it did not reach
and fails the session (exit 1), naming them.
Its results are then collected as test items (:mod:`._items`), one
per scenario, property or stateful run and one per rule the kit knows for the
provider, with stable ids::

    capture-conformance::midtrans::scenario::full-capture
    capture-conformance::midtrans::rule::capture-response.gross-amount

Each item only reports what the run found, so ``-n 2`` hands the finished run to
every worker (``pytest_configure_node``) and the outcomes are those of ``-n 0``;
``-k`` picks which items report, never what the suite sends. A failed item's
text is the JUnit report's (``check --junit``): the rule, expected vs received,
source, request, response and curl line, redacted, and the options that replay it.

``--conformance-cassettes PATH`` replays recorded cassettes (``capture-conformance
record``) instead of a live target, as ``check --cassette`` does: the scenario
catalogue only, offline.

Its settings are read in :mod:`._settings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ConformanceError
from ._settings import SuiteSettings, read_settings, usage_message

if TYPE_CHECKING:
    from ..reports._redact import Redactor
    from ..suite import CaseResult, Report

__all__ = ["SuitePlugin"]

_WORKER_KEY = "capture_conformance_report"
_TICK = {"passed": ".", "failed": "F", "error": "E", "skipped": "s"}


def _runs_tests(config: pytest.Config) -> bool:
    option = config.option
    return not (
        getattr(option, "collectonly", False)
        or getattr(option, "showfixtures", False)
        or getattr(option, "show_fixtures_per_test", False)
    )


class SuitePlugin:
    """The hooks of ``--capture-conformance``; registered only when it is given.

    The run starts in ``pytest_sessionstart`` (``trylast``: after hypothesis has
    finished initialising) or, under xdist, in ``pytest_xdist_setupnodes`` if
    that comes first: before any worker starts, whichever hook runs first.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._settings: SuiteSettings | None = None
        self._report: Report | None = None
        self._payload: bytes | None = None
        self._scrub: Redactor | None = None

    @property
    def settings(self) -> SuiteSettings:
        """Read on first use (not at configure time: ``pytest --help`` must still work)."""
        if self._settings is None:
            settings = read_settings(self.config)
            assert settings is not None  # registered only with --capture-conformance
            self._settings = settings
        return self._settings

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.settings  # noqa: B018  (a bad setting stops the session here, on every process)
        if not hasattr(self.config, "workerinput") and _runs_tests(self.config):
            self._ensure_run()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_setupnodes(self) -> None:
        self._ensure_run()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist: hand the finished run to each worker."""
        import pickle

        if self._report is not None:
            if self._payload is None:
                self._payload = pickle.dumps(self._report)
            node.workerinput[_WORKER_KEY] = self._payload

    def pytest_report_header(self, config: pytest.Config) -> str:
        settings = self.settings
        where = (
            "cassettes " + ", ".join(settings.cassettes)
            if settings.cassettes
            else self._redactor([])(settings.base_url)
        )
        return (
            f"capture-conformance: {settings.provider} suite against "
            f"{where}, {settings.replay(settings.options.seed)}"
        )

    def _ensure_run(self) -> None:
        if self._report is None:
            self._report = self._run(self.settings)
            if self.settings.report_json:
                self._write_json(self._report, self.settings.report_json)

    def _write_json(self, report: Report, path: str) -> None:
        """``--conformance-report-json``: the report ``check --report-json`` writes."""
        import shlex
        import sys

        from ..errors import ConformanceError
        from ..reports.json_report import write_json

        credentials = self.settings.credentials
        command = shlex.join(["pytest", *sys.argv[1:]])
        try:
            write_json([report], path, command=command,
                       secrets=[*credentials.secrets(), credentials.client_id])  # fmt: skip
        except ConformanceError as exc:
            raise pytest.UsageError(str(exc)) from None

    def _run(self, settings: SuiteSettings) -> Report:
        from ..reports.console import verdict
        from ..suite import run_suite

        reporter = self.config.pluginmanager.get_plugin("terminalreporter")

        def say(text: str, *, end: str = "\n") -> None:
            if reporter is not None:
                reporter.write(text + end, flush=True)

        def tick(result: CaseResult, index: int, total: int) -> None:
            say(_TICK[result.outcome.value], end="")

        say(f"capture-conformance: running the {settings.provider} suite ", end="")
        try:
            with self._deliveries(settings) as watch, self._target(settings, watch) as target:
                report = run_suite(target, settings.options, progress=tick)
        except ConformanceError as exc:
            say("")
            raise pytest.UsageError(usage_message(exc, self.config)) from None
        say("")
        say(f"capture-conformance: {self._redactor([report])(verdict(report))}")
        return report

    @staticmethod
    def _deliveries(settings: SuiteSettings) -> Any:
        """The receiver for the run's deliveries, as ``check`` serves it (none for cassettes)."""
        import contextlib

        if settings.cassettes:
            return contextlib.nullcontext(None)
        from ..receiver import listening

        return listening(
            settings.provider, mode=settings.deliveries, timeout=settings.delivery_timeout,
            listen=settings.callback_listen, notification_url=settings.notification_url,
            credentials=settings.credentials, profile=settings.options.profile,
            option="--conformance-{}".format,
        )  # fmt: skip

    @staticmethod
    def _target(settings: SuiteSettings, deliveries: Any = None) -> Any:
        from ..suite import Target

        if settings.cassettes:
            from ..cassettes import replay_target

            return replay_target(
                settings.provider, settings.cassettes, profile=settings.options.profile
            )
        return Target(
            settings.provider, base_url=settings.base_url, credentials=settings.credentials,
            profile=settings.options.profile, timeout=settings.timeout, deliveries=deliveries,
        )  # fmt: skip

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        from ._items import collect_items

        top, collected = collect_items(session, self)
        items.extend(collected)
        # The terminal counts collected items from collect reports ("collected N items").
        session.ihook.pytest_collectreport(
            report=pytest.CollectReport(top.nodeid, "passed", None, list(collected))
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """A run the time limit stopped is not a pass, whatever its items say: exit 1."""
        report = self._report
        if report is None or hasattr(self.config, "workerinput") or not report.interrupted:
            return
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "capture-conformance: the run did not end, so it does not pass: "
                + self._redactor([report])(report.interrupted),
                red=True,
            )

    # -- what the items read (conformance.pytest_plugin._items) ------------------------
    def report(self) -> Report:
        """The run: this process's, or the one the xdist controller handed over."""
        if self._report is None:
            payload = getattr(self.config, "workerinput", {}).get(_WORKER_KEY)
            if payload is None:
                pytest.fail("the conformance suite did not run in this session", pytrace=False)
            import pickle  # the controller's own report, handed over on the execnet channel

            self._report = pickle.loads(payload)
        assert self._report is not None
        return self._report

    def _redactor(self, reports: list[Report]) -> Redactor:
        from ..reports._redact import Redactor

        credentials = self.settings.credentials
        return Redactor(reports, extra=[*credentials.secrets(), credentials.client_id])

    @property
    def scrub(self) -> Redactor:
        if self._scrub is None:
            self._scrub = self._redactor([self.report()])
        return self._scrub
