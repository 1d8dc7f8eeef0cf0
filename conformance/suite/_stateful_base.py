"""What both capture-lifecycle state machines share (see :mod:`conformance.suite.stateful`)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
)

from ..specs import Spec
from ._hyp_common import (
    Driver,
    Failure,
    answer_summary,
)
from ._results import Exchange

__all__ = ["AUTHORIZED", "EXTRA", "MAX_AUTHORIZATIONS", "SHARES", "Lifecycle"]

#: Authorizations per example: a few, so that steps meet on the same one.
MAX_AUTHORIZATIONS = 2
#: Amounts authorized by the machines (IDR).
AUTHORIZED = st.integers(min_value=10_000, max_value=1_000_000)
#: How far an over-capture attempt goes past what is left.
EXTRA = st.integers(min_value=1, max_value=100_000)
SHARES = st.integers(min_value=1, max_value=99)


class Lifecycle(RuleBasedStateMachine):
    """What both machines share: the driver, a log of the steps, how a failure is raised."""

    driver: ClassVar[Driver]

    def __init__(self) -> None:
        super().__init__()
        self.steps = [f"state = {type(self).__name__}()"]
        self._counts: dict[str, int] = {}
        #: The model of every authorization made, in order.
        self.made: list[Any] = []
        #: The refused capture a status read now follows: a failure shows it too.
        self.refused: Exchange | None = None

    @property
    def authorizations(self) -> int:
        return len(self.made)

    def name(self, bundle: str) -> str:
        """The variable name hypothesis gives the next value of *bundle*."""
        count = self._counts.get(bundle, 0)
        self._counts[bundle] = count + 1
        return f"{bundle}_{count}"

    def step(self, rule: str, result: Any = None, **arguments: Any) -> None:
        """Log a step the way hypothesis prints it."""
        shown = ", ".join(
            f"{key}={getattr(value, 'name', None) or repr(value)}"
            for key, value in sorted(arguments.items())
        )
        target = f"{result.name} = " if result is not None else ""
        self.steps.append(f"{target}state.{rule}({shown})")

    @classmethod
    def setup_model(cls, spec: Spec) -> None:
        """Read what the model needs from the specs (catalogue statuses)."""

    def fail(
        self,
        check: str,
        message: str,
        *,
        expected: Any,
        exchange: Exchange,
        source: str,
        actual: Any = None,
    ) -> None:
        """Raise the failure of invariant *check*, unless --only/--skip leave it out:
        then the run goes on as if the target were right, to find the others."""
        check_id = f"{self.driver.provider}.stateful.{check}"
        if not self.driver.ctx.selection.keeps(check_id):
            return
        shown = answer_summary(exchange) if actual is None else actual
        if self.refused is not None and exchange is not self.refused:
            # A refused capture that was applied anyway: show the capture, not only the read.
            shown = {"read": shown, "after the refused capture": _capture_shown(self.refused)}
        self.driver.fail(
            Failure(
                check_id,
                message,
                expected=expected,
                actual=shown,
                exchange=exchange,
                source=source,
                example=list(self.steps),
            )
        )


def _capture_shown(exchange: Exchange) -> dict[str, Any]:
    """The refused capture: what was sent, and what came back."""
    try:
        sent: Any = json.loads(exchange.request.content or b"null")
    except ValueError:
        sent = exchange.request.content.decode(errors="replace")
    request = f"{exchange.request.method} {exchange.request.url.path}"
    return {"request": request, "body": sent, "answer": answer_summary(exchange)}
