"""Reading a file a person chose (a spreadsheet to import, a completed form): one way, with
the same plain words for a missing file, a folder, a file another program holds, or one too
large to read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["read_user_file"]


def read_user_file(
    path: Path,
    what: str,
    error: Callable[[str], Exception],
    max_bytes: int,
    too_large: Callable[[int], Exception],
) -> bytes:
    """The bytes of ``path``. ``what`` names the file expected ("a spreadsheet"); a failure
    raises ``error(message)``, and a file over ``max_bytes`` raises ``too_large(size)``
    before anything is read."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reported by the read below
    if size > max_bytes:
        raise too_large(size)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"The file {path} does not exist.") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not {what}.") from None
    except OSError as exc:
        raise error(
            f"{path.name} could not be opened ({exc.strerror}). If it is open in another "
            "program, close it and try again."
        ) from exc
