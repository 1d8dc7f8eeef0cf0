"""The test items of ``--capture-conformance``: one per case of the run, one per rule.

The tree is ``capture-conformance / <provider> / <kind> / <id>``, built from the
kit's catalogue (never from the run), so that every xdist worker collects the
same items in the same order::

    capture-conformance::pivot::scenario::over-capture
    capture-conformance::pivot::property::valid-captures
    capture-conformance::pivot::stateful::capture-lifecycle
    capture-conformance::pivot::rule::capture-response.status

Outcomes follow ``check --junit``: a failed case or a rule named by an error
finding fails; a case that could not run is an error; a case the time limit cut
off, a rule of the other profile only, every rule of a run that sent nothing,
and every delivery rule (``<provider>.notification…``) of a run that judged no
delivery are skipped, the last with the run's note on why.

>>> short_name("pivot", "pivot.capture-response.status")
'capture-response.status'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest

if TYPE_CHECKING:
    from ..reports._redact import Redactor
    from ..suite import CaseResult, Finding, Report
    from ._settings import SuiteSettings

__all__ = ["Group", "SuiteItem", "SuiteRun", "collect_items", "failure_text", "short_name"]


class SuiteRun(Protocol):
    """What the items read of the session's run (the plugin in ``_suite`` provides it).

    Taken as an argument, so that the items and the plugin that collects them do
    not import each other.
    """

    @property
    def settings(self) -> SuiteSettings: ...

    @property
    def scrub(self) -> Redactor: ...

    def report(self) -> Report: ...


_Node = TypeVar("_Node", bound="pytest.Item | pytest.Collector")


def short_name(provider: str, check: str) -> str:
    """An item's name: the case or rule id without its provider (the tree names it)."""
    return check.removeprefix(f"{provider}.")


def collect_items(session: pytest.Session, plugin: SuiteRun) -> tuple[Group, list[SuiteItem]]:
    """The item tree of *plugin*'s settings, in run order: cases, then rules."""
    from ..rules import known_rules
    from ..suite import all_cases

    settings = plugin.settings
    provider = settings.provider
    top = Group.from_parent(session, name="capture-conformance", nodeid="capture-conformance")
    run = top.add(Group.from_parent(top, name=provider))
    groups: dict[str, Group] = {}

    def item(kind: str, check: str, applies: bool = True) -> SuiteItem:
        if kind not in groups:
            groups[kind] = run.add(Group.from_parent(run, name=kind))
        new = SuiteItem.from_parent(
            groups[kind], name=short_name(provider, check), check=check, kind=kind,
            applies=applies, plugin=plugin,
        )  # fmt: skip
        return groups[kind].add(new)

    items = [item(case.kind.value, case.id) for case in all_cases(provider, settings.options)]
    if not settings.cassettes:  # the run's deliveries (checked, or skipped with a note)
        items.append(item("traffic", f"{provider}.deliveries"))
    rules = known_rules(provider, settings.options.profile)
    items += [item("rule", rule_id, applies) for rule_id, applies in rules.items()]
    return top, items


def failure_text(plugin: SuiteRun, findings: list[tuple[CaseResult, Finding]]) -> str:
    """One line (JUnit's ``message``), a blank line, then every finding's evidence.

    The evidence is the JUnit report's, word for word, but for the replay line,
    which names pytest's options (``--conformance-seed``) instead of ``check``'s.
    """
    from ..reports._evidence import replay_args
    from ..reports.junit import failure_details, failure_message

    report, scrub = plugin.report(), plugin.scrub
    path = plugin.settings.report_json
    # Without a JSON report to point at, every finding is listed here.
    shown = (
        failure_details(report, findings, scrub, limit=None)
        if path is None
        else (failure_details(report, findings, scrub, rest=f"every one in the JSON report {path}"))
    )
    details = shown.replace(
        f"replay with: {replay_args(report)}",
        f"replay with: {plugin.settings.replay(report.seed)}",
    )
    return f"{failure_message(findings, scrub)}\n\n{details}"


class Group(pytest.Collector):
    """A level of the suite's item tree: ``capture-conformance``, the provider, the kind."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.children: list[pytest.Item | pytest.Collector] = []

    def add(self, child: _Node) -> _Node:
        self.children.append(child)
        return child

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return list(self.children)


class SuiteItem(pytest.Item):
    """One scenario/property/stateful case of the run, or one rule judged over all of it."""

    def __init__(
        self, *, check: str, kind: str, applies: bool, plugin: SuiteRun, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.kind = kind
        self.applies = applies
        self.plugin = plugin

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.kind} {self.check}"

    def setup(self) -> None:
        """Cases that could not run are errors, skipped ones skips, as in ``check --junit``."""
        from ..suite import Outcome
        from ..suite._results import delivery_rule

        report, scrub = self.plugin.report(), self.plugin.scrub
        if self.kind == "rule":
            if self._rule_findings():
                return
            if not self.applies:
                other = "observed" if report.profile == "documented" else "documented"
                pytest.skip(f"checked only in the {other} profile; this run used {report.profile}")
            if report.exchanges == 0:
                pytest.skip("the run made no request")
            if delivery_rule(self.check) and not report.deliveries:
                pytest.skip(scrub(report.delivery_note) or "the run checked no delivery")
            return
        result = self._result()
        if result.outcome is Outcome.ERROR:
            pytest.fail(f"{self.check} could not run: {scrub(result.note)}", pytrace=False)
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(scrub(result.note) or "skipped")

    def runtest(self) -> None:
        from ..suite import Outcome
        from ..violations import Severity

        if self.kind == "rule":
            failed = self._rule_findings()
            if failed:
                pytest.fail(failure_text(self.plugin, failed), pytrace=False)
            return
        result = self._result()
        errors = [(result, f) for f in result.findings if f.severity is Severity.ERROR]
        warnings = [(result, f) for f in result.findings if f.severity is not Severity.ERROR]
        if result.outcome is Outcome.FAILED:
            if not (errors or warnings):
                note = self.plugin.scrub(result.note) or "failed"
                pytest.fail(f"{self.check}: {note}", pytrace=False)
            pytest.fail(failure_text(self.plugin, errors + warnings), pytrace=False)
        if warnings:  # passed with warnings: captured output, like check --junit's system-out
            print(failure_text(self.plugin, warnings))

    def _result(self) -> CaseResult:
        for result in self.plugin.report().results:
            if result.id == self.check:
                return result
        pytest.fail(f"{self.check} was not run by the suite", pytrace=False)

    def _rule_findings(self) -> list[tuple[CaseResult, Finding]]:
        from ..violations import Severity

        return [
            (case, finding)
            for case, finding in self.plugin.report().findings()
            if finding.check == self.check and finding.severity is Severity.ERROR
        ]
