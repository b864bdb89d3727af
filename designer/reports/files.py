"""Writing report files safely: temp file in the target folder, then rename.

A failed or cancelled export leaves any earlier file of that name untouched.
Report files get the usual permissions (``0o666`` less the umask), since they
are made to be shared.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engine.io import atomic_write_bytes, file_mode_for, output_path

__all__ = ["write_bytes", "write_all", "write_png_image", "temp_target", "share_mode",
           "progress_bar_state"]

_PAGE = re.compile(r"^Page (\d+) of (\d+)$")


def share_mode(path: str | os.PathLike, mode: int) -> None:
    """Give ``path`` the permissions ``mode`` (see :func:`engine.io.file_mode_for`)."""
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


def write_bytes(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically with shareable permissions."""
    atomic_write_bytes(path, payload)


def write_png_image(image, path: str | os.PathLike) -> None:
    """Write the ``QImage`` ``image`` to ``path`` as a PNG, atomically.

    The image is encoded in memory and the bytes written as :func:`write_bytes` writes
    any file: a full disk or a file size limit is an ``OSError`` with the system's reason
    ("File too large"), where ``QImage.save`` to a file says only that it failed, and
    libpng prints its own "Write Error" line on stderr.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        encoded = image.save(buf, "PNG")
    finally:
        buf.close()
    if not encoded or data.isEmpty():
        raise OSError("the image could not be encoded as PNG")
    write_bytes(path, data.data())


@contextlib.contextmanager
def temp_target(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temp path next to ``path``; on success rename it to ``path``.

    For writers that need a file name (QPdfWriter, QImage.save).
    """
    path = output_path(path)  # a symlink's target; no folder, pipe or device
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


def write_all(payloads: dict[Path, bytes]) -> None:
    """Write several files as one: every file goes to a temp file first, and only when
    all are written are they renamed into place. A failure (a full disk, a folder
    where a file should be) leaves every earlier file untouched and names the file
    it failed on (``OSError.filename``)."""
    targets = {Path(p): output_path(p) for p in payloads}  # refuses folders, pipes, devices
    temps: dict[Path, str] = {}
    try:
        for given, data in payloads.items():
            real = targets[Path(given)]
            folder = real.parent if str(real.parent) else Path(".")
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
            temps[real] = tmp
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror or str(exc), str(given)) from None
        for real, tmp in temps.items():
            share_mode(tmp, file_mode_for(real))
            os.replace(tmp, real)
    finally:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def progress_bar_state(fraction: float, message: str) -> tuple[int, int, str]:
    """Return what an export's progress bar shows for ``progress(fraction, message)``:
    ``(value, maximum, format)``.

    While the message counts pages ("Page 6 of 16") the bar counts the same pages, so
    the words and the bar tell one story (the fraction of the whole export would put
    page 6 of 16 at 59%); otherwise the bar shows the fraction in thousandths as a
    percentage.

    Examples
    --------
    >>> progress_bar_state(0.59, "Page 6 of 16")
    (6, 16, 'page %v of %m')
    >>> progress_bar_state(0.27, "Preparing the floor plan")
    (270, 1000, '%p%')
    """
    m = _PAGE.match(message.strip())
    if m and int(m.group(2)) > 0:
        page, pages = int(m.group(1)), int(m.group(2))
        return min(page, pages), pages, "page %v of %m"
    return int(round(min(max(fraction, 0.0), 1.0) * 1000)), 1000, "%p%"
