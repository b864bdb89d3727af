"""Reports to file names of bytes no encoding reads (Linux file names are bytes): written
there, under that name, and nothing else left beside them."""

from __future__ import annotations

import os
import subprocess
import sys

import pypdf
import pytest

from engine.io import save_layout
from engine.templates import instantiate

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes")


@pytest.fixture
def folder(tmp_path, builtin_catalog):
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/d\xe9")  # a Latin-1 byte: no UTF-8
    os.mkdir(odd)
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=builtin_catalog)
    save_layout(lay, os.path.join(odd, "hall.json"))
    return odd


def _names(folder: str) -> set[bytes]:
    return set(os.listdir(os.fsencode(folder)))


@pytest.mark.parametrize("suffix", [".pdf", ".csv"])
def test_a_report_named_in_bytes_is_written_under_that_name(folder, suffix):
    out = os.fsencode(folder) + b"/r\xe9" + suffix.encode()
    # as a shell runs it, in a UTF-8 locale: the name said back as the bytes it is
    run = subprocess.run([sys.executable, "-m", "designer.cli", "report",
                          os.fsencode(folder) + b"/hall.json", "-o", out],
                         capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8",
                                                   "QT_QPA_PLATFORM": "offscreen"},
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert b"wrote " + out + b"\n" in run.stdout
    out = os.fsdecode(out)
    names = _names(folder)
    assert b"r\xe9" + suffix.encode() in names
    # nothing else: no hidden temporary file, no file under a name Qt made up
    rest = {n for n in names - {b"hall.json", b"r\xe9" + suffix.encode()}
            if not n.startswith(b"r\xe9-")}
    assert rest == set()
    if suffix == ".pdf":
        assert len(pypdf.PdfReader(out).pages) > 5
    else:
        # the index lists its tables' files, their unreadable byte shown as U+FFFD
        index = open(out, encoding="utf-8-sig").read()
        assert "r\ufffd-racks.csv" in index


def test_a_report_in_the_c_locale_prints_only_what_it_wrote(folder):
    # Qt says four lines about the C locale before it switches to C.UTF-8 itself; a
    # report that succeeds prints its "wrote" line and nothing on standard error
    out = os.path.join(folder, "plain.png")
    run = subprocess.run([sys.executable, "-m", "designer.cli", "report",
                          os.path.join(folder, "hall.json"), "-o", out],
                         capture_output=True, env={**os.environ, "LC_ALL": "C",
                                                   "QT_QPA_PLATFORM": "offscreen"},
                         timeout=120)
    assert run.returncode == 0 and run.stderr == b"", run.stderr
    assert run.stdout.count(b"\n") == 1 and run.stdout.startswith(b"wrote ")


def test_an_error_names_such_a_file_by_its_bytes(tmp_path):
    missing = os.fsencode(str(tmp_path)) + b"/missing\xe9.json"
    run = subprocess.run([sys.executable, "-m", "designer.cli", "analyze", missing],
                         capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"},
                         timeout=120)
    assert run.returncode == 2 and run.stderr.count(b"\n") == 1
    assert missing in run.stderr and b"\\udce9" not in run.stderr
