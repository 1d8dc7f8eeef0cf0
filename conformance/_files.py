"""Writing what the kit produces without harming what is there: reports, cassettes.

Every file the kit writes goes through :func:`write_atomic`: a temporary file in
the same folder, flushed, then renamed over the target. A write that fails
(full disk, killed process, a serializer error) leaves the existing file byte
for byte. :func:`check_writable` runs before any request is sent, so a command
that could not save its result never moves money on a sandbox first.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "report.json", "{}\\n")
>>> (folder / "report.json").read_text()
'{}\\n'
>>> check_writable(folder / "no-such-folder" / "x.json", option="report-json") is None
True
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError, UsageError

__all__ = ["check_writable", "write_atomic"]


def check_writable(path: str | os.PathLike[str], *, option: str) -> None:
    """Refuse, as a usage error naming ``--option``, a *path* that cannot be written.

    The folder may not exist yet (it is created on write), but then its nearest
    existing ancestor must be a writable folder; *path* itself must not be a folder.
    """
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{{option}} {str(path)!r} is a folder; name a file", option=option)
    folder = target.parent
    while not folder.exists():
        if folder.parent == folder:
            break
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"{{option}} {str(path)!r} cannot be written: {str(folder)!r} is not a writable folder",
            option=option,
        )
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{{option}} {str(path)!r} is not writable", option=option)


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, what: str = "file") -> None:
    """Write *data* (text as UTF-8) to *path* all at once, creating its folder.

    :class:`InputError` (one line, naming *what* and the path) when it cannot be
    written; the file that was there before is then left as it was.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise InputError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
