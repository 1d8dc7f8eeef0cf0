"""Exceptions raised by capture-conformance.

A conformance *failure* is never an exception: it is a
:class:`~conformance.violations.Violation` value. Exceptions mean the kit
could not do what it was asked (bad arguments, unreadable specs, a body that
is not JSON where JSON is required). Every one derives from one root::

    ConformanceError
    ├── UsageError            bad arguments: unknown provider, operation, profile
    ├── SpecError             specs/ missing, unreadable or inconsistent
    └── InputError            a document to check cannot be read (not JSON, no file)

Catch :class:`ConformanceError` to handle all of them; the CLI turns each into
one line on stderr and exit code 2.

>>> try:
...     raise UsageError("unknown provider 'stripe'; choose one of: midtrans, pivot")
... except ConformanceError as exc:
...     print(exc)
unknown provider 'stripe'; choose one of: midtrans, pivot
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ConformanceError", "InputError", "SpecError", "UsageError"]


class ConformanceError(Exception):
    """Root of every exception the kit raises."""


class UsageError(ConformanceError, ValueError):
    """An argument is not one the kit knows; the message names the valid choices.

    When the argument is a setting of the command line, *option* names it
    (``"time-limit"``) and the message says ``{option}`` where its flag goes.
    ``str()`` spells the flag as ``capture-conformance check`` does; a front end
    that names its settings otherwise (the pytest plugin) uses :meth:`spelled`.

    >>> error = UsageError("{option} must be at least 1; got 0", option="examples")
    >>> str(error)
    '--examples must be at least 1; got 0'
    >>> error.spelled(lambda name: f"--conformance-{name}")
    '--conformance-examples must be at least 1; got 0'
    """

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.template = message
        self.option = option
        super().__init__(self.spelled(lambda name: f"--{name}"))

    def spelled(self, flag: Callable[[str], str]) -> str:
        """The message with the option's flag as *flag* spells it."""
        if self.option is None:
            return self.template
        return self.template.replace("{option}", flag(self.option))


class SpecError(ConformanceError):
    """The specs directory is missing, unreadable or refers to something absent."""


class InputError(ConformanceError):
    """A document handed to the kit cannot be read as what it should be."""
