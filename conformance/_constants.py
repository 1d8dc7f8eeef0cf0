"""Choices shared by the CLI, the plugin and the loaders (import-light on purpose)."""

PROVIDERS = ("midtrans", "pivot")
PROFILES = ("documented", "observed")
DEFAULT_PROFILE = "documented"

# The suite's defaults, one set for `check`/`run` and the pytest plugin's settings.
DEFAULT_EXAMPLES = 10
DEFAULT_TIMEOUT = 10.0
#: The suite has three property/stateful runs per provider: all of them at once.
DEFAULT_CONCURRENCY = 3
DEFAULT_TIME_LIMIT = 300.0
