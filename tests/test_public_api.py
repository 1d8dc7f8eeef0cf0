"""The public surface is exactly what ``__all__`` says, and every name resolves."""

import pytest

import conformance

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(conformance.__all__) == EXPECTED
    assert len(conformance.__all__) == len(EXPECTED)


def test_every_public_name_resolves() -> None:
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        conformance.nothing_here  # noqa: B018


def test_typed_marker_ships(repo_root) -> None:
    assert (repo_root / "conformance" / "py.typed").is_file()


def test_exception_tree_has_one_root() -> None:
    for name in ("UsageError", "SpecError", "InputError", "ConformanceAssertionError"):
        assert issubclass(getattr(conformance, name), conformance.ConformanceError)


def test_assertion_failures_are_assertion_errors() -> None:
    # Test runners report an AssertionError as a failure, not as an error.
    assert issubclass(conformance.ConformanceAssertionError, AssertionError)
