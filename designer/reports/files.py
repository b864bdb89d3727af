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

from engine.io import atomic_write_bytes, file_mode_for

__all__ = ["write_bytes", "temp_target", "share_mode"]


def share_mode(path: str | os.PathLike, mode: int) -> None:
    """Give ``path`` the permissions ``mode`` (see :func:`engine.io.file_mode_for`)."""
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


def write_bytes(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically with shareable permissions."""
    atomic_write_bytes(path, payload)


@contextlib.contextmanager
def temp_target(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temp path next to ``path``; on success rename it to ``path``.

    For writers that need a file name (QPdfWriter, QImage.save).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    mode = file_mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        share_mode(tmp, mode)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
