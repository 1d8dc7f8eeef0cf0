"""The answer matrix: ``@pytest.mark.conformance_answers`` and the ``conformance_answer`` fixture.

The marker parametrizes a test over ``specs/<provider>/answers.yaml`` (ids are
the answers' ids, so ``-k capture-412`` selects); the fixture scripts the
``conformance_traffic`` simulators so the integration's next call of the
answer's operation gets that answer, and ``expect(verdict)`` judges what the
integration concluded from it::

    @pytest.mark.conformance_answers("midtrans", operation="capture")
    def test_capture(conformance_traffic, conformance_answer, core):
        transaction_id = conformance_traffic.authorize("midtrans", 30000)
        conformance_answer.expect(my_checkout.capture(core, transaction_id))

Registered by ``pytest_plugin/__init__.py``: the marker line :data:`MARKER`,
the hook :func:`pytest_generate_tests`, the fixture :func:`conformance_answer`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .._traffic import Traffic
    from .._traffic._answers import AnswerScript
    from ..answers import Answer

__all__ = ["MARKER", "ScriptedAnswer", "conformance_answer", "pytest_generate_tests"]

MARKER = (
    "conformance_answers(provider, operation=None, profile=None, only=(), skip=()): run the "
    "test once per answer of specs/<provider>/answers.yaml; see the conformance_answer fixture"
)
_OPTIONS = ("operation", "profile", "only", "skip")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize a ``conformance_answers``-marked test over the catalogue, one id per answer."""
    marker = metafunc.definition.get_closest_marker("conformance_answers")
    if marker is None:
        return
    from ..answers import select_answers
    from ..errors import ConformanceError

    where = f"@pytest.mark.conformance_answers on {metafunc.definition.nodeid}"
    if "conformance_answer" not in metafunc.fixturenames:
        raise pytest.Collector.CollectError(f"{where}: the test must take conformance_answer")
    try:
        provider, options = _arguments(marker.args, marker.kwargs)
        answers: list[Any] = select_answers(provider, **options)
        if not answers:
            raise ValueError("the options leave no answer to run")
    except (ConformanceError, ValueError, TypeError) as exc:
        # A collection error would come with a traceback: the test fails with one line instead.
        metafunc.parametrize("conformance_answer", [_Misuse(f"{where}: {exc}")],
                             ids=["usage-error"], indirect=True)  # fmt: skip
        return
    ids = [a.id for a in answers]
    metafunc.parametrize("conformance_answer", answers, ids=ids, indirect=True)


class _Misuse:
    """The parameter of a marked test whose marker is wrong: its message fails the test."""

    def __init__(self, message: str) -> None:
        self.message = message


@pytest.fixture
def conformance_answer(
    request: pytest.FixtureRequest, conformance_traffic: Traffic
) -> Iterator[ScriptedAnswer]:
    """This test's answer of the catalogue, scripted into ``conformance_traffic``'s simulators.

    def test_capture(conformance_traffic, conformance_answer): ...
        conformance_answer.expect("not-captured")   # what your code concluded
    """
    from ..answers import Answer

    answer = getattr(request, "param", None)
    if isinstance(answer, _Misuse):
        pytest.fail(answer.message, pytrace=False)
    if not isinstance(answer, Answer):
        pytest.fail(
            'conformance_answer: mark the test @pytest.mark.conformance_answers("midtrans") '
            '(or "pivot") to run it once per answer',
            pytrace=False,
        )
    if conformance_traffic.mode != "route":
        pytest.fail(
            "conformance_traffic: a scripted answer (conformance_answer) needs route mode "
            "(the simulators answer); this test judges traffic it does not route "
            "(traffic='judge'): drop it, or use traffic='route'",
            pytrace=False,
        )
    handle = ScriptedAnswer(conformance_traffic.script_answer(answer))
    yield handle
    unsaid = handle.unreported()
    if unsaid:
        pytest.fail(handle.failure(None, unsaid), pytrace=False)


class ScriptedAnswer:
    """What ``conformance_answer`` gives a test: the answer, and :meth:`expect` to judge by it."""

    def __init__(self, script: AnswerScript) -> None:
        self._script = script
        self._reported = 0
        self.answer: Answer = script.answer

    @property
    def id(self) -> str:
        return self.answer.id

    @property
    def meaning(self) -> str:
        """``captured``, ``not-captured`` or ``unknown`` (read or await the outcome)."""
        return self.answer.meaning

    @property
    def http_status(self) -> int | None:
        """The HTTP status served; ``None`` for a transport fault."""
        return self.answer.http_status

    @property
    def body(self) -> Any:
        """The catalogue's body (the simulator's own is served where ``serve: simulator``)."""
        return self.answer.body

    @property
    def fault(self) -> str | None:
        return self.answer.fault

    def resolve(self) -> None:
        """The outcome arrives now: a held Pivot capture settles; deliveries go to your handler."""
        self._script.traffic._worker.submit(lambda: None).result()
        self._script.resolve()

    def expect(self, verdict: str) -> None:
        """Fail the test unless *verdict*, the integration's conclusion, fits the answer.

        ``captured`` / ``not-captured`` must equal a definite answer's meaning. After
        an ``unknown`` answer, ``unknown`` always fits; a definite verdict needs a
        status read or a delivery since the answer, and must equal what it showed.
        """
        from ..answers import MEANINGS

        if verdict not in MEANINGS:
            pytest.fail(
                f"conformance_answer.expect: {verdict!r} is not a verdict; use one of: "
                f"{', '.join(MEANINGS)}",
                pytrace=False,
            )
        script, reasons = self._script, self.unreported()
        if not script.served:
            reasons.append(f"the integration never made the {self.answer.operation} call")
        elif self.meaning != "unknown" and verdict != self.meaning:
            reasons.append(f"the answer means {self.meaning!r}")
        elif self.meaning == "unknown" and verdict != "unknown":
            if not (script.reads_after or script.deliveries_after()):
                pending = " (PENDING is not paid)" if self.answer.provider == "pivot" else ""
                reasons.append(
                    f"{verdict!r} was concluded from an unknown answer{pending} with no status "
                    "read or delivery in between"
                )
            elif script.truth() != verdict:
                reasons.append(f"the provider's state shows {script.truth()!r}")
        if reasons:
            pytest.fail(self.failure(verdict, reasons), pytrace=False)

    def unreported(self) -> list[str]:
        """The problems the kit saw that no failure has shown yet."""
        fresh = self._script.problems[self._reported :]
        self._reported = len(self._script.problems)
        return list(fresh)

    def failure(self, verdict: str | None, reasons: Iterable[str]) -> str:
        """One message: the answer, its meaning, the conclusion, why, and the source."""
        a = self.answer
        what = f"HTTP {a.http_status}" if a.fault is None else f"transport fault: {a.fault}"
        lines = [
            f"conformance_answer {a.provider} {a.id}: "
            + (f"the integration concluded {verdict!r}" if verdict else "the integration erred"),
            f"  answer:    {a.title} [{a.provider} {a.operation}, {what}]",
            f"  meaning:   {a.meaning}",
        ]
        if verdict is not None:
            lines.append(f"  concluded: {verdict}")
        lines += [f"  why:       {reason}" for reason in reasons]
        lines.append(f"  source:    {a.source_id}: {a.source}")
        return "\n".join(lines)


def _arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if len(args) != 1 or not isinstance(args[0], str):
        raise ValueError('give one provider, e.g. conformance_answers("midtrans")')
    unknown = sorted(set(kwargs) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; use {', '.join(_OPTIONS)}")
    options = dict(kwargs)
    for name in ("only", "skip"):
        value = options.get(name, ())
        options[name] = [value] if isinstance(value, str) else list(value)
    return args[0], options
