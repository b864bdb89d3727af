"""The application as a user starts it: a subprocess that opens, renders and exits 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from designer.app import overlay_keys, parse_size
from engine.errors import InputError


def _rackscape() -> list[str]:
    exe = Path(sys.executable).parent / "rackscape"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("rackscape")
    return [found] if found else [sys.executable, "-m", "designer.cli"]


def _run(args, tmp_path, timeout=120, **env):
    full = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                RACKSCAPE_RECOVERY_DIR=str(tmp_path / "recovery"),
                XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    return subprocess.run(_rackscape() + list(args), capture_output=True, text=True,
                          timeout=timeout, env=full, cwd=tmp_path)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_screenshot_of_the_default_hall_exits_0(tmp_path):
    out = tmp_path / "shot.png"
    r = _run(["--screenshot", str(out), "--size", "1200x800"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert _png_size(out) == (1200, 800)


def test_screenshot_of_a_file_with_overlays(tmp_path):
    layout = tmp_path / "big.json"
    r = _run(["new", "dgx-h100-hall", "--set", "racks=64", "-o", str(layout)], tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "big.png"
    r = _run(["--screenshot", str(out), str(layout), "--overlay", "all", "--metric",
              "utilization"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert _png_size(out) == (1600, 1000)


def test_screenshot_refuses_bad_input_with_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    r = _run(["--screenshot", str(tmp_path / "x.png"), str(bad)], tmp_path)
    assert r.returncode == 2 and "bad.json" in r.stderr and "Traceback" not in r.stderr
    r = _run(["--screenshot", str(tmp_path / "x.png"), "--overlay", "smoke"], tmp_path)
    assert r.returncode == 2 and "--overlay" in r.stderr


def test_screenshot_replaces_an_old_image_whole_or_not_at_all(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    r = _run(["--screenshot", str(fifo)], tmp_path, timeout=60)
    assert r.returncode == 2 and "named pipe" in r.stderr and r.stderr.count("\n") == 1
    r = _run(["--screenshot", str(tmp_path / "shot.txt")], tmp_path)
    assert r.returncode == 2 and "ending in .png" in r.stderr
    old = tmp_path / "old.png"
    r = _run(["--screenshot", str(old), "--size", "1000x700"], tmp_path)
    assert r.returncode == 0 and _png_size(old) == (1000, 700)
    # an image already there is replaced on purpose only, as a report's is
    r = _run(["--screenshot", str(old), "--size", "1200x800"], tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--force replaces" in r.stderr
    assert _png_size(old) == (1000, 700)
    r = _run(["--screenshot", str(old), "--size", "1200x800", "--force"], tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr  # no platform chatter either
    assert _png_size(old) == (1200, 800)  # an older screenshot is replaced
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".png") == ["old.png",
                                                                                "pipe.png"]
    # a file of the user's that only has the name is not (a note saved as keep.png)
    keep = tmp_path / "keep.png"
    keep.write_text("my notes")
    r = _run(["--screenshot", str(keep)], tmp_path)
    assert r.returncode == 2 and "not a PNG image" in r.stderr and r.stderr.count("\n") == 1
    assert keep.read_text() == "my notes"


def test_ctrl_c_in_the_terminal_closes_the_designer_without_a_traceback(tmp_path):
    import signal
    import time

    full = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                RACKSCAPE_RECOVERY_DIR=str(tmp_path / "recovery"),
                XDG_CONFIG_HOME=str(tmp_path / "config"), RACKSCAPE_NO_RECOVERY="1")
    p = subprocess.Popen(_rackscape(), stderr=subprocess.PIPE, text=True, env=full,
                         cwd=tmp_path)
    time.sleep(6)  # the window is up (a slow start only delays the interrupt)
    p.send_signal(signal.SIGINT)
    try:
        _out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    assert p.returncode == 130 and "Traceback" not in err, err
    assert "rackscape: interrupted" in err


def test_app_opens_and_quits_with_exit_0(tmp_path):
    r = _run([], tmp_path, RACKSCAPE_QUIT_AFTER_MS="600")
    assert r.returncode == 0, r.stderr
    layout = tmp_path / "hall.json"
    _run(["new", "dgx-h100-hall", "--set", "racks=8", "-o", str(layout)], tmp_path)
    r = _run(["open", str(layout)], tmp_path, RACKSCAPE_QUIT_AFTER_MS="600")
    assert r.returncode == 0, r.stderr
    assert not list((tmp_path / "recovery").glob("*.recovery.json")), "clean exit, no recovery"
    # a file opened from the command line is a recent file, as one opened by File > Open
    settings = "".join(f.read_text(errors="replace")
                       for f in (tmp_path / "config").rglob("*") if f.is_file())
    assert str(layout.resolve()) in settings
    # `rackscape FILE`, as a file manager's "open with" runs it, is `rackscape open FILE`
    r = _run([str(layout)], tmp_path, RACKSCAPE_QUIT_AFTER_MS="600")
    assert r.returncode == 0, r.stderr
    r = _run([str(tmp_path / "missing.json")], tmp_path, RACKSCAPE_QUIT_AFTER_MS="100")
    assert r.returncode == 2 and "missing.json" in r.stderr


def test_app_with_a_bad_file_says_why_and_exits_2(tmp_path):
    r = _run(["open", str(tmp_path / "missing.json")], tmp_path, RACKSCAPE_QUIT_AFTER_MS="100")
    assert r.returncode == 2
    assert "missing.json" in r.stderr and "Traceback" not in r.stderr


def test_size_and_overlay_arguments():
    assert parse_size("800x600") == (800, 600)
    with pytest.raises(InputError):
        parse_size("wide")
    assert overlay_keys(["all"]) == ["heatmap", "cooling", "airflow", "cables", "violations"]
    with pytest.raises(InputError):
        overlay_keys(["nope"])


def test_report_help_names_the_overlays_the_report_takes():
    from designer.cli import _OVERLAY_HELP
    from designer.reports.floorplan import OVERLAYS

    assert _OVERLAY_HELP == OVERLAYS


def test_file_export_never_replaces_a_layout(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from engine.io import save_layout

    doc = window.document
    mine = tmp_path / "hall.json"
    other = tmp_path / "other.json"
    save_layout(doc.layout, mine)
    save_layout(doc.layout, other)
    doc.set_layout(doc.layout, mine)
    before = {p: p.read_bytes() for p in (mine, other)}
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    for target in (mine, other):
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *a, t=target, **k: (str(t), "JSON analysis (*.json)"))
        window.export()
    assert {p: p.read_bytes() for p in before} == before
    assert "hall.json is the open layout" in said[0]
    assert "other.json is a Rackscape layout" in said[-1]
