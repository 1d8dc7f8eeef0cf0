"""The conformance suite: scenarios, property-based and stateful runs against a target.

>>> from conformance.simulators import create
>>> from conformance.suite import SuiteOptions, Target, run_suite
>>> with Target("pivot", app=create("pivot").app) as target:
...     run_suite(target, SuiteOptions(examples=2, seed=7)).exit_code
0
"""

from ._model import Case, CaseContext, SuiteOptions
from ._results import CaseResult, Exchange, Finding, Kind, Outcome, Report
from ._setup import Authorization, Setup, SetupError, load_authorizations
from ._target import Credentials, Target, guard_production
from .runner import CannotRun, all_cases, run_suite

__all__ = [
    "Authorization",
    "CannotRun",
    "Case",
    "CaseContext",
    "CaseResult",
    "Credentials",
    "Exchange",
    "Finding",
    "Kind",
    "Outcome",
    "Report",
    "Setup",
    "SetupError",
    "SuiteOptions",
    "Target",
    "all_cases",
    "guard_production",
    "load_authorizations",
    "run_suite",
]
