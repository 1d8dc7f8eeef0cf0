"""The exit codes every command shares: 0 conformant, 1 violations found, 2 could not run."""

__all__ = ["EXIT_CONFORMANT", "EXIT_ERROR", "EXIT_VIOLATIONS"]

EXIT_CONFORMANT, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
