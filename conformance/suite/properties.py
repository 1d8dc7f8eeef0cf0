"""Property-based runs: valid capture requests are accepted, invalid ones refused.

Two hypothesis properties per provider (``Kind.PROPERTY``):

``<provider>.valid-captures``
    A fresh authorization, then one capture the contract calls valid: the whole
    amount by default (``gross_amount`` / ``amount`` omitted), the whole amount
    named, or a part of it; Pivot also with and without
    ``releaseRemainingAmount`` (``amount`` is left out only with
    ``releaseRemainingAmount: true``, the one form valid in both profiles). It
    must be accepted: Midtrans body ``status_code`` ``"200"`` with
    ``transaction_status`` ``capture`` (judged by the body, never the HTTP
    status); Pivot HTTP 200, code ``"00"`` and a catalogued capture status.

``<provider>.invalid-captures``
    A valid capture body with one schema-violating mutation, derived from the
    request schema by :mod:`._hyp_mutations`: a required field removed, a value
    of the wrong JSON type, a value outside a keyword (zero or negative
    amounts, too long ids, bad currency codes), a decimal amount, a body that is
    not an object or not JSON at all. A mutation counts only when the kit's
    validator, in the run's profile, says the contract refuses it; so Pivot's
    observed rules (``value > 0``, no IDR fraction, ``amount`` required when
    nothing is released) count only in the ``observed`` profile. It must be
    refused with a code the specs document for refusing a request on the
    capture operation: Midtrans body ``status_code`` 400 (validation error), 408
    (wrong data type) or 413 (malformed syntax), 404 when the broken field
    is ``transaction_id`` (such an id cannot name a transaction), and 412 when
    the amount is also above the authorized one (an over-capture); Pivot HTTP
    400 or 422, the statuses the catalogue gives ``api_validation_error``.
    Each code must also be in the operation's OpenAPI responses.

Choices, written down:

* Unknown extra request fields are never generated: servers commonly ignore
  them, and the kit does not require them to be refused (the validator still
  reports them on the client side).
* ``null`` for an *optional* field is not generated either: it is commonly
  read as "absent" (the reference Pivot simulator does so).
* The mutations come from the kit's own request schemas rather than from
  schemathesis's negative mode, which also mutates in ways the contract does
  not forbid (extra fields, headers) and would need the same filtering.
* Before generating, every mutation kind is tried once with its simplest value
  (hypothesis explicit examples, like schemathesis's coverage phase), so no
  kind depends on the budget; then ``options.examples`` generated examples.
* An authorization is reused across invalid requests until one is accepted.

Every answer is also checked against the specs on the way back (findings of
their own). A property fails on its own expectation only: one finding, under
the case id, with the minimal (shrunk) request body as ``example``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import assume, example, given, seed
from hypothesis import strategies as st

from ..validator import Validator
from ..violations import Severity, Violation
from ._hyp_common import (
    Driver,
    Failure,
    Raw,
    answer_summary,
    example_text,
    finish,
    hypothesis_settings,
    json_body,
    run_hypothesis,
)
from ._hyp_mutations import MutationKind, apply, mutation_kinds
from ._model import Case, CaseContext, SuiteOptions
from ._results import Kind
from ._setup import Authorization

__all__ = ["InvalidCaptures", "ValidCaptures", "cases"]

#: Amounts authorized for the valid-capture property (IDR).
AUTHORIZED = st.integers(min_value=10_000, max_value=5_000_000)
#: Capture amounts before they are fitted inside the authorization.
AMOUNTS = st.integers(min_value=1, max_value=10_000_000)
#: Midtrans body codes that refuse a request for what it is (catalogue meanings).
MIDTRANS_REFUSALS = ("400", "408", "413")
#: ... and for an id that cannot name a transaction.
MIDTRANS_NOT_FOUND = "404"
#: ... and for an amount above the authorized one, whatever else is wrong with it:
#: "cannot modify the status" (the ``midtrans.over-capture`` scenario's answer).
MIDTRANS_OVER_CAPTURE = "412"
#: The Pivot catalogue code whose HTTP statuses are the refusals of a request.
PIVOT_VALIDATION_CODE = "api_validation_error"


def cases(provider: str, options: SuiteOptions) -> list[Case]:
    return [ValidCaptures(provider), InvalidCaptures(provider)]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class ValidCaptures:
    """Valid capture requests (partial, full, amount omitted) are accepted."""

    kind = Kind.PROPERTY

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.valid-captures"
        self.title = "valid capture requests (partial, full, amount omitted) are accepted"
        #: The check ids its findings carry (besides the validator's rules).
        self.checks = (self.id,)

    def run(self, ctx: CaseContext) -> None:
        driver = Driver(ctx)
        test = self.test(driver, ctx.options)
        finish(ctx, run_hypothesis(test, driver))

    def forms(self) -> tuple[str, ...]:
        if self.provider == "midtrans":
            return ("omitted", "full", "partial")
        return ("release-only", "full", "partial")

    def body(self, form: str, auth: Authorization, amount: int, release: bool) -> dict[str, Any]:
        value = auth.amount if form == "full" else max(1, min(amount, auth.amount - 1))
        if self.provider == "midtrans":
            if form == "omitted":
                return {"transaction_id": auth.id}
            return {"transaction_id": auth.id, "gross_amount": value}
        if form == "release-only":
            return {"releaseRemainingAmount": True}
        return {
            "releaseRemainingAmount": release,
            "amount": {"value": value, "currency": auth.currency},
        }

    def test(self, driver: Driver, options: SuiteOptions) -> Callable[[], None]:
        catalogued = (
            driver.ctx.target.validator.spec.catalogue_values("capture_status")
            if (self.provider == "pivot")
            else []
        )

        @seed(options.seed)
        @hypothesis_settings(options.examples)
        @given(
            form=st.sampled_from(self.forms()),
            authorized=AUTHORIZED,
            amount=AMOUNTS,
            release=st.booleans(),
        )
        def valid_capture(form: str, authorized: int, amount: int, release: bool) -> None:
            auth = driver.authorize(authorized)
            body = self.body(form, auth, amount, release)
            exchange = driver.capture(auth.id, body)
            answer = json_body(exchange)
            if self.provider == "midtrans":
                status = answer.get("transaction_status")
                if driver.accepted(exchange) and status == "capture":
                    return
                expected: Any = 'body status_code "200" with transaction_status "capture"'
                refused = not driver.accepted(exchange)
                source = "midtrans.capture-request" if refused else "midtrans.capture-response"
            else:
                data = answer.get("data")
                status = data.get("status") if isinstance(data, dict) else None
                if driver.accepted(exchange) and status in catalogued:
                    return
                expected = f'HTTP 200, code "00", data.status one of {", ".join(catalogued)}'
                refused = not driver.accepted(exchange)
                source = "pivot.capture-request" if refused else "pivot.capture-status"
            what = "was not accepted" if refused else "was not answered as a capture"
            driver.fail(
                Failure(
                    self.id,
                    f"a valid capture request ({form}) {what}",
                    expected=expected,
                    actual=answer_summary(exchange),
                    exchange=exchange,
                    source=source,
                    example=example_text(body),
                )
            )

        test: Any = valid_capture
        for form in self.forms():
            test = example(form=form, authorized=10_000, amount=1, release=False)(test)
        return test  # type: ignore[no-any-return]


class InvalidCaptures:
    """Capture requests the contract refuses are refused with a documented code."""

    kind = Kind.PROPERTY

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.id = f"{provider}.invalid-captures"
        self.title = "invalid capture requests are refused with a documented code"
        #: The check ids its findings carry (besides the validator's rules).
        self.checks = (self.id,)

    def run(self, ctx: CaseContext) -> None:
        driver = Driver(ctx)
        test = self.test(driver, ctx.options)
        finish(ctx, run_hypothesis(test, driver))

    # -- the valid bodies that are mutated ----------------------------------------------
    def valid_body(self, auth: Authorization, release: bool, amount: int) -> dict[str, Any]:
        value = max(1, min(amount, auth.amount))
        if self.provider == "midtrans":
            return {"transaction_id": auth.id, "gross_amount": value}
        return {
            "releaseRemainingAmount": release,
            "amount": {"value": value, "currency": auth.currency},
        }

    def refusals(self, driver: Driver, kind: MutationKind, over: bool = False) -> list[Any]:
        """The codes that refuse a request broken by *kind*, as the specs document them;
        *over*: its amount is also above the authorized one, an over-capture as well."""
        spec = driver.ctx.target.validator.spec
        documented = set(spec.operation("capture").responses)
        if self.provider == "midtrans":
            codes = list(MIDTRANS_REFUSALS)
            if kind.path[:1] == ("transaction_id",):
                codes.append(MIDTRANS_NOT_FOUND)
            if over:
                codes.append(MIDTRANS_OVER_CAPTURE)
            known = set(spec.catalogue_values("status_code"))
            return [c for c in codes if c in known and c in documented]
        entry = next(e for e in spec.catalogue("error_code") if e["const"] == PIVOT_VALIDATION_CODE)
        return [s for s in entry["x-http-status"] if str(s) in documented]

    def over_capture(self, body: Any, auth: Authorization) -> bool:
        """Whether *body* asks for more than *auth* holds (a too-large amount also is one)."""
        if not isinstance(body, dict):
            return False
        if self.provider == "midtrans":
            value = body.get("gross_amount")
        else:
            amount = body.get("amount")
            value = amount.get("value") if isinstance(amount, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return value > auth.amount

    @staticmethod
    def violations(validator: Validator, request: Any) -> list[Violation]:
        """What the contract refuses in *request* (a body or a whole request), in the
        validator's profile; warnings do not count."""
        found = validator.validate_request("capture", request)
        return [v for v in found if v.severity is Severity.ERROR]

    def kinds(self, validator: Validator) -> list[tuple[MutationKind, tuple[bool, int]]]:
        """The kinds that can break a body in *validator*'s profile, each with the base
        (``releaseRemainingAmount``, amount) its simplest value breaks."""
        spec = validator.spec
        sample = Authorization("be4f3e44-d6ee-4355-8c64-c1d1dc7f4590", 100_000)
        kept = []
        for kind in mutation_kinds(spec, spec.operation("capture").request_schema or ""):
            for base in ((False, 1), (True, 1)):
                body = apply(self.valid_body(sample, *base), kind, kind.canonical, 100_000, _dumps)
                if isinstance(body, Raw) or self.violations(validator, body):
                    kept.append((kind, base))
                    break
        return kept

    def check_unchanged(
        self, driver: Driver, auth: Authorization, kind: MutationKind, body: Any
    ) -> None:
        """A refused capture changes nothing: the status read shows *auth* uncaptured.

        Every earlier capture of *auth* in this run was refused too (an accepted one
        retires the authorization), so nothing at all may show as captured.
        """
        exchange = driver.read(auth.id)
        answer = json_body(exchange)
        if self.provider == "midtrans":
            status = answer.get("transaction_status")
            if status == "authorize":
                return
            shown: Any = {"transaction_status": status}
            expected = "transaction_status 'authorize'"
            source = "midtrans.lifecycle"
        else:
            data = answer.get("data")
            charges = data.get("chargeDetails") if isinstance(data, dict) else None
            charge = charges[0] if isinstance(charges, list) and charges else {}
            histories = charge.get("captureHistories") if isinstance(charge, dict) else None
            if driver.accepted(exchange) and not histories:
                return
            shown = {"status": exchange.status, "captureHistories": histories}
            expected = "HTTP 200 with no captureHistories entry"
            source = "pivot.async-capture"
        driver.fail(
            Failure(
                self.id,
                f"after an invalid capture ({kind.name}) was refused, the status read of "
                f"{auth.id} does not show it uncaptured",
                expected=f"{expected}: a refused capture changes nothing",
                actual=shown,
                exchange=exchange,
                source=source,
                example=example_text(body),
            )
        )

    def test(self, driver: Driver, options: SuiteOptions) -> Callable[[], None]:
        validator = driver.ctx.target.validator
        kinds = self.kinds(validator)
        current: list[Authorization] = []
        bases = st.tuples(st.booleans(), AMOUNTS)
        mutations = st.one_of([st.tuples(st.just(k), k.values) for k, _ in kinds])

        @seed(options.seed)
        @hypothesis_settings(options.examples)
        @given(base=bases, mutation=mutations)
        def invalid_capture(base: tuple[bool, int], mutation: tuple[MutationKind, Any]) -> None:
            kind, value = mutation
            if not current:
                current.append(driver.authorize())
            auth = current[0]
            body = apply(self.valid_body(auth, *base), kind, value, auth.amount, _dumps)
            request = driver.capture_request(auth.id, body)
            broken = self.violations(validator, request)
            assume(broken)
            exchange = driver.send_request("capture", request)
            refusals = self.refusals(driver, kind, over=self.over_capture(body, auth))
            code = driver.code(exchange)
            accepted = driver.accepted(exchange)
            if accepted:
                current.clear()  # the target took it: the authorization is spent
            if not accepted and code in refusals:
                self.check_unchanged(driver, auth, kind, body)
                return
            rules = ", ".join(sorted({v.rule for v in broken}))
            where = "body status_code" if self.provider == "midtrans" else "HTTP status"
            first = next((v.source.id for v in broken if v.source is not None), None)
            driver.fail(
                Failure(
                    self.id,
                    f"an invalid capture request ({kind.name}) was "
                    + (
                        "accepted"
                        if accepted
                        else f"refused with {code!r}, not a documented refusal"
                    ),
                    expected=f"refused with {where} one of {', '.join(map(str, refusals))} "
                    f"(the request breaks {rules})",
                    actual=answer_summary(exchange),
                    exchange=exchange,
                    source=first or f"{self.provider}.capture-request",
                    example=example_text(body),
                )
            )

        test: Any = invalid_capture
        for kind, base in reversed(kinds):
            test = example(base=base, mutation=(kind, kind.canonical))(test)
        return test  # type: ignore[no-any-return]
