"""The PNG floor plan coloured as the designer's Colour by colours it, and a title that
wraps rather than cut the design's parameters off."""

from __future__ import annotations

import numpy as np
import pytest

from designer.cli import main
from designer.reports import ReportError, export
from designer.reports.png import render_image
from engine.analysis import analyze
from engine.templates import instantiate


@pytest.fixture(scope="module")
def gb200(builtin_catalog):
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    return lay, analyze(lay, builtin_catalog)


def _pixels(img) -> np.ndarray:
    from PySide6.QtGui import QImage

    rgb = img.convertToFormat(QImage.Format.Format_RGB32)
    buf = np.frombuffer(rgb.constBits(), np.uint8, rgb.sizeInBytes()).copy()  # outlives rgb
    return buf.reshape(rgb.height(), rgb.bytesPerLine() // 4, 4)[:, :rgb.width(), :3]


def test_racks_take_the_chosen_colour_and_the_legend_says_which(gb200, qapp):
    lay, a = gb200
    share = {}
    for metric in ("kw", "liquid"):
        img, _info = render_image(lay, a, (900, 600), metric=metric)
        bgr = _pixels(img).astype(int)
        b, g, r = bgr[..., 0], bgr[..., 1], bgr[..., 2]
        # the liquid map runs to blues (the NVL72 racks are 85 % liquid), rack power to
        # oranges and reds
        share[metric] = (np.mean((b > r + 60) & (b > 150)), np.mean((r > b + 80) & (g < 200)))
    assert share["liquid"][0] > 5 * max(share["kw"][0], 1e-4)
    assert share["kw"][1] > 5 * max(share["liquid"][1], 1e-4)


def test_metric_is_for_a_plan_only_and_must_be_known(gb200, tmp_path, capsys, qapp):
    lay, a = gb200
    with pytest.raises(ReportError, match="expected one of kw, utilization, liquid"):
        export(lay, a, tmp_path / "x.png", metric="colour")
    src = tmp_path / "gb.json"
    from engine.io import save_layout

    save_layout(lay, src)
    code = main(["report", str(src), "-o", str(tmp_path / "r.xlsx"), "--metric", "liquid"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [
        "rackscape: --metric: expected a .pdf or .png report (a .xlsx report has no floor "
        "plan)"]
    assert not (tmp_path / "r.xlsx").exists()
    code = main(["report", str(src), "-o", str(tmp_path / "r.png"), "--metric", "utilization"])
    assert code == 0 and (tmp_path / "r.png").stat().st_size > 10_000


def test_a_long_title_takes_a_second_line_not_an_ellipsis(gb200, qapp):
    lay, a = gb200
    long = lay.model_copy(update={"name": "Hall " + "with a long name " * 5 + "(racks_per_row=8)"})
    img, _ = render_image(long, a, (700, 500))
    ink = (_pixels(img).min(axis=2) < 100).any(axis=1)  # rows with dark text
    rows = np.flatnonzero(ink[:60])
    # two lines of title: dark rows in two bands with a gap between
    assert len(rows) and (np.diff(rows) > 2).sum() >= 1


def test_a_title_past_two_lines_gives_way_before_the_generation(gb200, monkeypatch, qapp):
    import PySide6.QtGui
    from test_report_layout import _RecordingPainter

    monkeypatch.setattr(PySide6.QtGui, "QPainter", _RecordingPainter)
    _RecordingPainter.records = []
    lay, a = gb200
    long = lay.model_copy(update={"name": "Hall " + "with a very long name " * 9})
    render_image(long, a, (500, 400))
    k = next(i for i, r in enumerate(_RecordingPainter.records) if r[2].startswith("Hall"))
    first, second = (r[2] for r in _RecordingPainter.records[k:k + 2])
    assert second.endswith(f"… — {lay.generation}") and not first.endswith("…")
    assert all(r[3] <= r[0].width() for r in _RecordingPainter.records[k:k + 2])


def test_pdf_main_plan_takes_the_metric_and_its_power_pages_stay_by_power(gb200, tmp_path,
                                                                           qapp):
    """``--metric liquid`` colours the main floor plan's racks by liquid share and says so
    in the caption and the legend (drawn from the scene's metric at the time the page is
    painted); the power-density page keeps colouring by power."""
    from pypdf import PdfReader

    lay, a = gb200
    src = tmp_path / "gb.json"
    from engine.io import save_layout

    save_layout(lay, src)
    out = tmp_path / "liquid.pdf"
    assert main(["report", str(src), "-o", str(out), "--metric", "liquid"]) == 0
    texts = [" ".join(pg.extract_text().split()) for pg in PdfReader(out).pages]
    plan = next(t for t in texts if "Drawn to scale" in t)
    assert "coloured by the share of their heat taken by liquid" in plan
    assert "Liquid-cooled share" in plan and "Rack power" not in plan
    density = next(t for t in texts if "shades the floor by power" in t)
    assert "Rack power" in density and "Liquid-cooled share" not in density
    by_power = tmp_path / "kw.pdf"
    assert main(["report", str(src), "-o", str(by_power)]) == 0
    texts = [" ".join(pg.extract_text().split()) for pg in PdfReader(by_power).pages]
    plan = next(t for t in texts if "Drawn to scale" in t)
    assert "Rack power" in plan and "coloured by" not in plan.split("Drawn to scale")[0]
