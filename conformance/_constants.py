"""Choices shared by the CLI, the plugin and the loaders (import-light on purpose)."""

PROVIDERS = ("midtrans", "pivot")
PROFILES = ("documented", "observed")
DEFAULT_PROFILE = "documented"
