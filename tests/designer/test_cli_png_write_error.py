"""A PNG that cannot be written (a full disk, a file size limit) is one line naming the
user's file and the system's reason: not libpng's own "Write Error" line, not the hidden
temporary file the image was going to, and the earlier file is kept."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main
from engine.io import save_layout
from engine.templates import instantiate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


def _limited(*argv: str, limit_bytes: int = 16 * 1024) -> subprocess.CompletedProcess:
    """Run ``rackscape`` with files limited to ``limit_bytes`` (``ulimit -f``)."""
    resource = pytest.importorskip("resource")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "designer.cli", *argv], cwd=ROOT, env=env,
                          preexec_fn=limit, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", ["report", "screenshot"])
def test_a_png_over_the_file_size_limit_is_one_line_and_keeps_the_old_file(tmp_path, hall,
                                                                           command):
    out = tmp_path / "r.png"
    # an older image (a screenshot replaces a PNG only, never another file of the name)
    old = b"\x89PNG\r\n\x1a\nold\n"
    out.write_bytes(old)
    argv = (["report", str(hall), "-o", str(out), "--force"] if command == "report"
            else ["--screenshot", str(out), str(hall), "--force"])
    proc = _limited(*argv)
    assert proc.returncode == 2, proc.stderr
    reason = os.strerror(errno.EFBIG)  # "File too large"
    expected = (f"rackscape: {out}: cannot write the report ({reason})\n" if command == "report"
                else f"rackscape: {out}: --screenshot: expected a writable PNG file ({reason})\n")
    assert proc.stderr == expected
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall.json", "r.png"]  # no temp left


def test_a_failed_png_write_names_the_report_not_the_temporary_file(tmp_path, hall, capsys,
                                                                    monkeypatch):
    import designer.reports.files as files

    def full(path, payload):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "write_bytes", full)
    out = tmp_path / "r.png"
    out.write_text("old\n")
    assert main(["report", str(hall), "-o", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert err == f"rackscape: {out}: cannot write the report ({os.strerror(errno.ENOSPC)})\n"
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall.json", "r.png"]


def test_a_png_report_still_writes(tmp_path, hall, capsys):
    out = tmp_path / "r.png"
    assert main(["report", str(hall), "-o", str(out), "--size", "400x300"]) == 0
    capsys.readouterr()
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    from PySide6.QtGui import QImage

    assert QImage(str(out)).size().toTuple() == (400, 300)
