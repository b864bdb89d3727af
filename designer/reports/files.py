"""Writing report files safely: temp file in the target folder, then rename.

A failed or cancelled export leaves any earlier file of that name untouched.
Report files get the usual permissions (``0o666`` less the umask), since they
are made to be shared.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engine.io import atomic_write_bytes

__all__ = ["write_bytes", "temp_target", "share_mode"]


def share_mode(path: str | os.PathLike) -> None:
    """Give ``path`` the permissions of a normally created file."""
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~mask)


def write_bytes(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically with shareable permissions."""
    atomic_write_bytes(path, payload)
    share_mode(path)


@contextlib.contextmanager
def temp_target(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temp path next to ``path``; on success rename it to ``path``.

    For writers that need a file name (QPdfWriter, QImage.save).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
        share_mode(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
