"""``check --concurrency``: property and stateful runs overlap against an HTTP target.

Scenarios run first, one at a time; the outcomes do not depend on the concurrency.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.errors import UsageError
from conformance.simulators import create
from conformance.simulators._serve import served
from conformance.suite import (
    CaseContext,
    CaseResult,
    Kind,
    Setup,
    SetupError,
    SuiteOptions,
    Target,
    all_cases,
    run_suite,
)
from conformance.suite._model import Selection


class InFlight:
    """ASGI middleware counting the requests the app is answering at once."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = self.peak = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.002)  # a network's worth of waiting
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@pytest.fixture
def pivot() -> Iterator[tuple[str, InFlight]]:
    app = InFlight(create("pivot").app)
    with served(app) as url:
        yield url, app


def _run(url: str, provider: str, concurrency: int, **options: Any):
    options = {"examples": 4, "seed": 11, **options}
    with Target(provider, base_url=url) as target:
        return run_suite(target, SuiteOptions(concurrency=concurrency, **options))


def test_runs_overlap_and_results_keep_the_catalogue_order(pivot) -> None:
    url, counter = pivot
    report = _run(url, "pivot", 3)
    assert report.exit_code == 0, [f.message for _, f in report.findings()]
    assert [r.id for r in report.results] == [c.id for c in all_cases("pivot", SuiteOptions())]
    assert counter.peak > 1


def test_one_at_a_time_never_overlaps(pivot) -> None:
    # --concurrency is about cases; the race case sends its captures at once by design.
    url, counter = pivot
    assert _run(url, "pivot", 1, skip=("pivot.capture-race",)).exit_code == 0
    assert counter.peak == 1


def test_the_race_case_fans_out_a_bounded_number_at_once(pivot) -> None:
    url, counter = pivot
    assert _run(url, "pivot", 1, only=("pivot.capture-race",)).exit_code == 0
    assert 1 < counter.peak <= 8


def test_the_findings_do_not_depend_on_the_concurrency() -> None:
    with served(create("midtrans", quirk="over-capture-accepted").app) as url:
        alone = _run(url, "midtrans", 1)
        together = _run(url, "midtrans", 3)
    assert alone.exit_code == together.exit_code == 1
    assert together.checks_failed() == alone.checks_failed()
    assert "midtrans.stateful.over-capture" in together.checks_failed()
    kinds = {r.kind for r in together.results if r.exchanges}
    assert kinds == {Kind.SCENARIO, Kind.PROPERTY, Kind.STATEFUL}


def test_an_in_process_target_runs_one_case_at_a_time() -> None:
    with Target("pivot", app=create("pivot").app) as target:
        assert target.concurrent is False
    with Target("pivot", base_url="http://127.0.0.1:9") as target:
        assert target.concurrent is True


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(UsageError, match="--concurrency must be at least 1; got 0"):
        SuiteOptions(concurrency=0)


@pytest.mark.parametrize(
    ("examples", "shares"),
    [(10, [10]), (49, [49]), (60, [30, 30]), (100, [25, 25, 25, 25]), (203, [51, 51, 51, 50])],
)
def test_the_stateful_examples_are_shared_out_by_the_budget_alone(
    monkeypatch, examples, shares
) -> None:
    from conformance.suite import stateful

    runs: list[tuple[int, int]] = []
    monkeypatch.setattr(
        stateful.CaptureLifecycle, "_run", lambda self, i, n, ctx: runs.append((i, n))
    )
    with Target("midtrans", app=create("midtrans").app) as target:
        run_suite(
            target,
            SuiteOptions(examples=examples, seed=1, only=("midtrans.capture-lifecycle",)),
        )
    assert runs == list(enumerate(shares))


def test_stateful_runs_in_parts_do_the_same_at_any_concurrency() -> None:
    only = ("midtrans.capture-lifecycle",)
    with served(create("midtrans").app) as url:
        alone = _run(url, "midtrans", 1, only=only, examples=60)
        together = _run(url, "midtrans", 3, only=only, examples=60)
    assert alone.exit_code == together.exit_code == 0
    # Same seed, same runs: the same requests, whichever part finished first.
    assert together.exchanges == alone.exchanges > 60
    with served(create("midtrans", quirk="over-capture-accepted").app) as url:
        alone = _run(url, "midtrans", 1, only=only, examples=60)
        together = _run(url, "midtrans", 3, only=only, examples=60)
    assert together.checks_failed() == alone.checks_failed() == {"midtrans.stateful.over-capture"}


@pytest.mark.parametrize("workers", [1, 3])
def test_parts_merge_in_part_order_whatever_finishes_first(workers) -> None:
    second_done = threading.Event()

    def slow_first(ctx: CaseContext) -> None:
        if workers > 1:
            assert second_done.wait(5)  # both run at once: the second ends first
        ctx.result.exchanges += 2
        ctx.fail("pivot.stateful.over-capture", "first part's finding")

    def second(ctx: CaseContext) -> None:
        ctx.result.exchanges += 3
        ctx.fail("pivot.stateful.over-capture", "the same check again")
        ctx.fail("pivot.stateful.transition", "second part's finding")
        second_done.set()
        raise SetupError("the second part's setup was refused")

    def third(ctx: CaseContext) -> None:
        ctx.result.exchanges += 1
        raise SetupError("the third part's setup was refused")

    options = SuiteOptions(seed=1)
    with Target("pivot", app=create("pivot").app) as target:
        result = CaseResult("pivot.capture-lifecycle", Kind.STATEFUL, "lifecycle")
        ctx = CaseContext(
            target, Setup(target), Selection(options, "pivot", frozenset()), result,
            deadline=float("inf"), workers=workers,
        )  # fmt: skip
        with pytest.raises(SetupError, match="second part's"):
            ctx.run_parts([slow_first, second, third])
    assert [f.message for f in result.findings] == ["first part's finding", "second part's finding"]
    assert result.exchanges == 6
