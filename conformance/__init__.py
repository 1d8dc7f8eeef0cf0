"""capture-conformance: contract and conformance checks for payment capture APIs.

>>> from conformance import Validator
>>> body = {"amount": {"value": 1000, "currency": "IDR"}}
>>> Validator("pivot").validate_request("capture", body)[0].rule
'pivot.capture-request.release-remaining-amount'

Names are imported on first use, so that loading the pytest plugin (a
submodule) costs a pytest run that does not use it next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._constants import PROFILES, PROVIDERS

if TYPE_CHECKING:
    from ._traffic import Traffic
    from .assertions import ConformanceAssertionError, assert_conformant
    from .errors import ConformanceError, InputError, SpecError, UsageError
    from .examples import Example, iter_examples
    from .specs import Operation, Spec, load_spec, specs_root
    from .validator import Validator, validate_notification, validate_request, validate_response
    from .violations import MISSING, Severity, Source, Violation

__all__ = [
    "MISSING",
    "PROFILES",
    "PROVIDERS",
    "ConformanceAssertionError",
    "ConformanceError",
    "Example",
    "InputError",
    "Operation",
    "Severity",
    "Source",
    "Spec",
    "SpecError",
    "Traffic",
    "UsageError",
    "Validator",
    "Violation",
    "assert_conformant",
    "iter_examples",
    "load_spec",
    "specs_root",
    "validate_notification",
    "validate_request",
    "validate_response",
]

_HOME = {
    "Traffic": "_traffic",
    "ConformanceAssertionError": "assertions",
    "assert_conformant": "assertions",
    "ConformanceError": "errors",
    "InputError": "errors",
    "SpecError": "errors",
    "UsageError": "errors",
    "Example": "examples",
    "iter_examples": "examples",
    "Operation": "specs",
    "Spec": "specs",
    "load_spec": "specs",
    "specs_root": "specs",
    "Validator": "validator",
    "validate_notification": "validator",
    "validate_request": "validator",
    "validate_response": "validator",
    "MISSING": "violations",
    "Severity": "violations",
    "Source": "violations",
    "Violation": "violations",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
