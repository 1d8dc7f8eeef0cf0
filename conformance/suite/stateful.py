"""Stateful runs: a hypothesis state machine per provider over the capture lifecycle.

One ``RuleBasedStateMachine`` per provider (``Kind.STATEFUL``, case id
``<provider>.capture-lifecycle``) authorizes, captures the whole remaining
amount, captures a part of it, tries to capture more than is left, releases the
remainder (Pivot ``releaseRemainingAmount: true``; Midtrans has no release) and
reads the status (Midtrans ``GET /v2/{id}/status``, Pivot
``GET /v2/payments/{id}``), in any order and on several authorizations, while a
model says what the target must do. Each failed invariant is one finding:

``<provider>.stateful.over-capture``
    A capture was accepted although it takes more than is left of the
    authorization, or a status read shows more captured than authorized.
``<provider>.stateful.capture-after-final``
    A capture was accepted when nothing can be captured any more: Midtrans once
    the transaction left ``authorize`` (capture is only valid from there, so a
    second capture is one); Pivot once the remainder was released, everything
    was captured or the session is final.
``<provider>.stateful.capture-refused``
    A capture the model calls valid (inside what is left, on a capturable
    authorization) was not accepted.
``<provider>.stateful.transition``
    A status moved in a way the documented lifecycle does not allow: Midtrans
    ``authorize`` -> capture | deny | cancel | expire, ``capture`` -> settlement
    | cancel (refunds and chargebacks, outside the capture contract, may follow);
    Pivot session ``PROCESSING`` -> PAID | CANCELLED | EXPIRED, charge
    ``WAITING_FOR_CAPTURE`` -> PROCESSING | SUCCESS | FAILED | EXPIRED,
    ``PROCESSING`` -> SUCCESS | FAILED, capture ``PENDING`` -> SUCCESS | FAILED;
    final statuses (the catalogues' ``x-final``) never change; a charge's
    ``capturedAmount`` never goes down.
``<provider>.stateful.status-agrees``
    A status read contradicts the capture answers: Midtrans still
    ``authorize`` after an accepted capture, or a capture answered with a
    ``gross_amount`` that is neither the amount captured nor the transaction's
    total; Pivot without an accepted capture
    in ``captureHistories`` (or with another amount), showing more captured
    than was accepted, a charge status the captures do not allow (a partial
    capture without release keeps ``WAITING_FOR_CAPTURE``; ``SUCCESS``/``PAID``
    needs something captured), or session and charge statuses that do not pair.

Besides the random status reads, every accepted capture is followed at once by
a status read, so "reads agree with the capture answers" never depends on the
budget.

Pivot captures are asynchronous: a capture answers ``PENDING`` and settles
later, so the model accepts ``PENDING`` or ``SUCCESS`` in ``captureHistories``,
lets ``capturedAmount`` lag behind the captures (never ahead), and accepts a
charge that is still ``WAITING_FOR_CAPTURE``/``PROCESSING`` after its last
capture as well as one already ``SUCCESS``. A capture answered ``FAILED``
captured nothing. What it does require at once is the accepted capture's entry
in ``captureHistories`` (the place its outcome arrives, ``pivot.async-capture``);
a release without an amount (a capture of 0) need not have one.

From 50 examples on, the examples are shared out to up to four independent
runs (``RUNS``, at least ``EXAMPLES_PER_RUN`` each), seeded from the run's
seed, so that runs against an HTTP target can wait for answers at once
(``--concurrency``). Their findings are merged in run order, so a seed gives the
same report at any concurrency.

The finding's ``example`` is the shrunk step sequence, as hypothesis reports it
for the final replay (``state.capture_partial(share=1, transaction=transactions_0)``;
the machine's own log of the same form when shrinking was cut short). An
invariant left out with ``--skip``/``--only`` does not stop the run: the model
then follows the target, so the run can find the next one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import cast

from hypothesis import seed
from hypothesis.stateful import (
    run_state_machine_as_test,
)

from ._hyp_common import (
    Driver,
    finish,
    hypothesis_settings,
    run_hypothesis,
)
from ._model import Case, CaseContext, SuiteOptions
from ._results import Kind
from ._stateful_base import Lifecycle
from ._stateful_midtrans import MidtransLifecycle
from ._stateful_pivot import PivotLifecycle

__all__ = ["CHECKS", "STEPS", "CaptureLifecycle", "cases"]

#: The invariants, each reported as ``<provider>.stateful.<name>``.
CHECKS = ("over-capture", "capture-after-final", "capture-refused", "transition", "status-agrees")
#: Steps per generated example (hypothesis ``stateful_step_count``).
STEPS = 25
#: At most this many independent hypothesis runs share the examples out, with at
#: least ``EXAMPLES_PER_RUN`` each (see ``CaptureLifecycle.run``).
RUNS = 4
EXAMPLES_PER_RUN = 25


def cases(provider: str, options: SuiteOptions) -> list[Case]:
    return [CaptureLifecycle(provider)]


class CaptureLifecycle:
    """The capture lifecycle as a hypothesis state machine against the target."""

    kind = Kind.STATEFUL

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.capture-lifecycle"
        release = ", release" if provider == "pivot" else ""
        self.title = (
            f"authorize, capture, partial capture{release} and status reads follow the model"
        )
        #: The check ids its findings carry (besides the validator's rules).
        self.checks = tuple(f"{provider}.stateful.{name}" for name in CHECKS)

    def run(self, ctx: CaseContext) -> None:
        # Independent runs, each with its share of the examples and a seed of its own,
        # so that an HTTP target's answers can be awaited by several at once. Their
        # number depends on --examples alone, so the same --seed gives the same runs
        # at any --concurrency; small budgets stay one run (each run starts with
        # hypothesis's simplest example).
        examples = ctx.options.examples
        runs = max(1, min(RUNS, examples // EXAMPLES_PER_RUN))
        shares = [examples // runs + (i < examples % runs) for i in range(runs)]
        ctx.run_parts([functools.partial(self._run, i, share) for i, share in enumerate(shares)])

    def _run(self, index: int, examples: int, ctx: CaseContext) -> None:
        base: type[Lifecycle] = MidtransLifecycle if self.provider == "midtrans" else PivotLifecycle
        name = (
            "MidtransCaptureLifecycle" if self.provider == "midtrans" else "PivotCaptureLifecycle"
        )
        driver = Driver(ctx)
        machine = cast("type[Lifecycle]", type(name, (base,), {"driver": driver}))
        machine.setup_model(ctx.target.validator.spec)

        # A factory function rather than the class: hypothesis digests the source of
        # what it is given, and for a class that means ast.parse, which CPython 3.11
        # cannot run in two threads at once (SystemError "AST constructor recursion
        # depth mismatch"); parts of this run start together. Hypothesis documents
        # "a class or a function" for the factory; its annotation names the class.
        def new_machine() -> Lifecycle:
            return machine()

        seeded = seed(ctx.options.seed if index == 0 else f"{ctx.options.seed}/{index}")(
            new_machine
        )
        settings = hypothesis_settings(examples, steps=STEPS)
        outcome = run_hypothesis(
            lambda: run_state_machine_as_test(seeded, settings=settings),  # type: ignore[arg-type]
            driver,
        )
        if outcome.failure is not None:
            # The steps of the minimal run as hypothesis reports them: attached to the
            # exception as notes (older versions print them through the reporter).
            # When shrinking was cut short, the machine's own log of that run.
            notes = getattr(outcome.failure, "__notes__", [])
            steps = _steps([*notes, *outcome.printed])
            if steps:
                outcome.failure.example = steps
        finish(ctx, outcome)


def _steps(printed: Iterable[str]) -> list[str]:
    """The step lines of hypothesis's report of the final (minimal) run."""
    steps = []
    for chunk in printed:
        for line in chunk.splitlines():
            text = line.strip()
            if text == "state.teardown()":
                continue
            if text.startswith("state") or " = state." in text:
                steps.append(text)
    return steps
