"""``check``'s option defaults from a config file: ``[tool.capture-conformance]``.

Where: ``--config PATH``; else ``./capture-conformance.toml`` (its
``[tool.capture-conformance]`` table, or its top level); else the
``[tool.capture-conformance]`` table of ``./pyproject.toml``. Keys are ``check``'s
long option names, with dashes or underscores (``base-url``, ``time_limit``);
repeatable options take a list. Precedence: the command line, then the config
file, then the built-in defaults. Credentials are never read from it: they come
from their options or the environment (``MIDTRANS_SERVER_KEY``, ...).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError

__all__ = ["CREDENTIALS", "check_defaults", "find_config"]

#: Options a config file may not set: secrets belong in the environment.
CREDENTIALS = frozenset({"server_key", "client_key", "client_id", "client_secret", "callback_key"})
_TABLE = "capture-conformance"


def find_config(given: str | None, folder: Path | None = None) -> tuple[Path, bool] | None:
    """The config file to read and whether it is a dedicated one (not pyproject.toml)."""
    if given is not None:
        path = Path(given)
        if not path.is_file():
            raise UsageError(f"--config {given!r}: no such file")
        return path, path.name != "pyproject.toml"
    here = folder or Path.cwd()
    if (here / "capture-conformance.toml").is_file():
        return here / "capture-conformance.toml", True
    if (here / "pyproject.toml").is_file():
        return here / "pyproject.toml", False
    return None


def check_defaults(
    command: click.Command | None, given: str | None, folder: Path | None = None
) -> dict[str, Any]:
    """The option defaults the config file gives *command*, by parameter name."""
    found = find_config(given, folder)
    if found is None or command is None:
        return {}
    path, dedicated = found
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {str(path)!r} is not TOML: {exc}") from None
    table = data.get("tool", {}).get(_TABLE) if isinstance(data.get("tool"), dict) else None
    if table is None:
        table = {k: v for k, v in data.items() if k != "tool"} if dedicated else {}
    if not isinstance(table, dict):
        raise UsageError(f"[tool.{_TABLE}] of {str(path)!r} must be a table")
    names: dict[str, str] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name and param.expose_value:
            for opt in (*param.opts, param.name):
                if opt.startswith("--") or not opt.startswith("-"):
                    names[opt.lstrip("-").replace("-", "_")] = param.name
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = names.get(str(key).replace("-", "_"))
        if name in CREDENTIALS:
            raise UsageError(
                f"{str(path)!r} sets {key!r}: credentials are not read from a config file; "
                "use the environment (MIDTRANS_SERVER_KEY, PIVOT_CLIENT_SECRET, ...)"
            )
        if name is None:
            known = ", ".join(sorted(k.replace("_", "-") for k in names if k not in CREDENTIALS))
            raise UsageError(f"{str(path)!r}: no check option {key!r}; options: {known}")
        out[name] = value
    return out
