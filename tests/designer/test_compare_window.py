"""Compare generations: the hall starts from the open design's,
each generation's column and bars show as it arrives, and Cancel stops waiting and keeps
the generations done."""

from __future__ import annotations

import html
import threading

import pytest

from designer import library
from designer.library import compare_job
from designer.library.compare_window import CompareWindow
from engine.compare import CompareRow


def test_compare_starts_from_the_open_hall(qtbot, window, monkeypatch):
    """The hall comes from the design as the GPUs do, not a fixed 60 x 40 m."""
    from designer.document import LayoutDocument

    monkeypatch.setattr(CompareWindow, "run", lambda self: -1)
    x0, y0, x1, y1 = window.document.layout.hall.bounds()
    win = library.compare_action(window)
    qtbot.addWidget(win)
    assert (win.hall_w.value(), win.hall_d.value()) == pytest.approx((x1 - x0, y1 - y0))
    assert (win.hall_w.value(), win.hall_d.value()) == pytest.approx((13.6, 13.2))
    win.by_hall.setChecked(True)
    assert win.intent()["hall"] == pytest.approx((13.6, 13.2))
    win.close()
    # another design, another hall; a size between centimetres is rounded up, so the
    # open design fits the hall it is compared in
    window.document.set_layout(LayoutDocument.blank_layout(18.273, 12.0, "annex"))
    assert library.compare_action(window) is win
    assert (win.hall_w.value(), win.hall_d.value()) == pytest.approx((18.28, 12.0))


class _Gates:
    """A stand-in for engine.compare.compare that returns a generation's row only when
    the test opens its gate."""

    def __init__(self) -> None:
        self.gates: dict[str, threading.Event] = {}
        self.calls: list[str] = []

    def gate(self, gen: str) -> threading.Event:
        return self.gates.setdefault(gen, threading.Event())

    def __call__(self, catalog=None, generations=(), **kw):
        (gen,) = generations
        self.calls.append(gen)
        assert self.gate(gen).wait(30)
        gpus = {"hopper": 1024, "blackwell": 1152, "amd-instinct": 2048}[gen]
        return [CompareRow(generation=gen, template=f"{gen}-template", param="scalable_units",
                           param_value=2, gpus=gpus, racks=10, it_mw=1.0, facility_mw=1.4,
                           gpus_per_mw=gpus / 1.0, fits_hall=True, hall_m=(10.0, 10.0))]

    def open_all(self) -> None:
        for gen in ("hopper", "blackwell", "amd-instinct"):
            self.gate(gen).set()


@pytest.fixture
def gated(monkeypatch):
    fake = _Gates()
    monkeypatch.setattr(compare_job, "compare", fake)
    yield fake
    fake.open_all()


def _compare_window(qtbot, builtin_catalog) -> CompareWindow:
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.set_generations(["hopper", "blackwell", "amd-instinct"])
    win.hall_w.setValue(30.0)
    win.hall_d.setValue(20.0)
    win.by_hall.setChecked(True)
    win.show()
    return win


def _bars(win) -> list[str]:
    return list(win.plots["gpus"].getAxis("bottom").labels)


def test_each_generation_shows_as_it_arrives_with_progress(qtbot, gated, builtin_catalog):
    win = _compare_window(qtbot, builtin_catalog)
    win.run()
    m = win.model
    # every generation has its column at once: the first computing, the others waiting
    assert m.columnCount() == 3 and m.pending == {0: "computing…", 1: "waiting", 2: "waiting"}
    assert win.progress.isVisible() and (win.progress.value(), win.progress.maximum()) == (0, 3)
    assert win.cancel_button.isEnabled() and not win.run_button.isEnabled()
    assert "0 of 3 generations done; computing Hopper" in win.status.text()
    assert win.table.isEnabled() and _bars(win) == []
    gated.gate("hopper").set()
    qtbot.waitUntil(lambda: win.progress.value() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: m.pending.get(1) == "computing…", timeout=10_000)
    assert 0 not in m.pending and m.data(m.index(2, 0)) == "1,024"
    assert m.headerData(1, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) \
        == "Blackwell — computing…"
    assert _bars(win) == ["Hopper"]  # the chart fills in too
    assert "1 of 3 generations done; computing Blackwell" in win.status.text()
    with qtbot.waitSignal(win.compared, timeout=10_000) as sig:
        gated.gate("blackwell").set()
        gated.gate("amd-instinct").set()
    assert [r.gpus for r in sig.args[0]] == [1024, 1152, 2048]
    assert m.pending == {} and _bars(win) == ["Hopper", "Blackwell", "AMD"]
    assert not win.progress.isVisible() and not win.cancel_button.isEnabled()
    assert win.run_button.isEnabled()
    assert "the most whole blocks that fit the 30 × 20 m hall" in win.status.text()


def test_cancel_stops_waiting_and_keeps_the_generations_done(qtbot, gated, builtin_catalog):
    """Cancel frees the form at once; the generations done answer the intent the form
    shows, so they stay, and the previous comparison (another hall) goes."""
    win = _compare_window(qtbot, builtin_catalog)
    gated.open_all()
    with qtbot.waitSignal(win.compared, timeout=10_000):
        win.run()
    for gate in gated.gates.values():
        gate.clear()
    gated.calls.clear()
    compared = []
    win.compared.connect(compared.append)
    win.hall_w.setValue(40.0)
    win.run()
    gated.gate("hopper").set()
    qtbot.waitUntil(lambda: win.progress.value() == 1, timeout=10_000)
    win.cancel_button.click()
    assert win.model.pending == {} and [r.generation for r in win.model.rows] == ["hopper"]
    assert [r.generation for r in win.rows] == ["hopper"]
    assert not win.progress.isVisible() and not win.cancel_button.isEnabled()
    assert win.run_button.isEnabled() and win.table.isEnabled()
    assert "Cancelled after 1 of 3 generations; those done are shown." in win.status.text()
    # the generation under way finishes unseen, and the run stops there
    gated.open_all()
    assert win.wait(10_000)
    qtbot.wait(50)
    assert gated.calls == ["hopper", "blackwell"] and compared == []
    assert [r.generation for r in win.model.rows] == ["hopper"]


def test_cancel_before_any_generation_is_done_keeps_the_previous_comparison(
        qtbot, gated, builtin_catalog):
    win = _compare_window(qtbot, builtin_catalog)
    gated.open_all()
    with qtbot.waitSignal(win.compared, timeout=10_000):
        win.run()
    before = list(win.rows)
    for gate in gated.gates.values():
        gate.clear()
    win.hall_w.setValue(40.0)
    win.run()
    win.cancel_button.click()
    assert win.model.rows == before and win.rows == before
    assert "Cancelled before any generation was done" in win.status.text()
    assert "30 × 20 m" in win.status.text()
    gated.open_all()
    assert win.wait(10_000)


def test_compare_and_cancel_keep_their_places_and_enter_runs(qtbot, gated, builtin_catalog):
    """A double click on Compare must not land on Cancel; Enter in a figure runs."""
    win = _compare_window(qtbot, builtin_catalog)
    qtbot.wait(10)
    run_at, cancel_at = win.run_button.geometry(), win.cancel_button.geometry()
    assert win.cancel_button.isVisible() and not win.cancel_button.isEnabled()
    win.run()
    qtbot.wait(10)
    assert (win.run_button.geometry(), win.cancel_button.geometry()) == (run_at, cancel_at)
    assert not run_at.intersects(cancel_at)
    win.cancel()
    gated.open_all()
    assert win.wait(10_000)
    win.by_gpus.setChecked(True)
    with qtbot.waitSignal(win.compared, timeout=10_000):
        win.gpus.lineEdit().returnPressed.emit()


def test_the_open_designs_hall_is_compared_to_the_centimetre_rounded_up(qtbot,
                                                                       builtin_catalog):
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.set_intent_hall(19.8, 10.243)
    assert (win.hall_w.value(), win.hall_d.value()) == (19.8, 10.25)


def test_a_first_comparison_cancelled_shows_what_was_done(qtbot, gated, builtin_catalog):
    win = _compare_window(qtbot, builtin_catalog)
    win.run()
    gated.gate("hopper").set()
    qtbot.waitUntil(lambda: win.progress.value() == 1, timeout=10_000)
    win.cancel()
    assert [r.generation for r in win.model.rows] == ["hopper"] and win.model.pending == {}
    assert "Cancelled after 1 of 3 generations; those done are shown." in win.status.text()


def test_closing_the_window_cancels_its_comparison(qtbot, gated, builtin_catalog):
    win = _compare_window(qtbot, builtin_catalog)
    win.run()
    # closed while the first generation is being computed: no other one starts
    qtbot.waitUntil(lambda: gated.calls == ["hopper"], timeout=10_000)
    win.close()
    assert not win.is_running()
    gated.open_all()
    assert win.wait(10_000)
    assert gated.calls == ["hopper"]


def test_the_notes_the_command_line_prints_stand_under_the_table(qtbot, builtin_catalog):
    """The † on a block and the blocks that depart from their template's defaults are
    explained under the table in full, as ``rackscape compare`` prints them below its
    table."""
    from designer.library.compare_window import CompareWindow, notes_text
    from engine.compare import compare, format_table

    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    rows = compare(gpus=2040, generations=["hopper", "blackwell"])
    win.show_rows(rows, {"gpus": 2040, "power_mw": None, "generations": ["hopper", "blackwell"],
                         "hall": None})
    printed = format_table(rows).splitlines()
    shown = notes_text(rows)
    assert any(line.startswith("† blackwell: NVIDIA GB200 NVL72 at 132 kW") for line in shown)
    for line in shown[1:]:  # the CLI's notes, word for word (its first names the generation)
        assert line in printed or line.replace("Optics kW (beyond switch power)", "* optics "
                                               "beyond switch power") in printed
    # each note whole, the footnote's sources and alternatives included
    text = win.notes.text()
    footnote = next(line for line in shown if line.startswith("† blackwell"))
    assert html.escape(footnote) in text and "…" not in text
    # one line under the charts until asked for: the table and the charts keep their room
    assert win.notes_button.isVisibleTo(win) and not win.notes.isVisibleTo(win)
    assert win.notes_button.text().startswith(f"Notes ({len(shown)}): ")
    win.notes_button.click()
    assert win.notes.isVisibleTo(win)


def test_opened_notes_wrap_in_full_and_leave_the_charts_readable(qtbot, builtin_catalog):
    """Opening the notes of a five-generation comparison in a window 760 px tall keeps
    every chart at its readable height (the table scrolls instead) and shows each note
    whole, wrapped at the window's width, scrolling past ten lines."""
    from designer.library.compare_window import _CHARTS_MIN_PX, CompareWindow, notes_text

    rows = [CompareRow(generation=g, template=f"{g}-t", param="scalable_units", param_value=4,
                       gpus=1024 * (k + 1), racks=40, it_mw=2.0 + k, facility_mw=3.0 + k,
                       gpus_per_mw=500.0, optics=4000 * (k + 1), per_gpu_bisection_gbps=400.0,
                       fits_hall=True, hall_m=(20.0, 10.0),
                       block_note=("whole SUs; " + "a long explanation of the block " * 6)
                       if k == 0 else "",
                       power_figures=[{"name": f"System {k}", "power_kw": 100.0 + k,
                                       "class": "secondary", "source": "S1",
                                       "typical_kw": None, "typical_source": None,
                                       "note": "the vendor's sheet; " * 8}] if k else [])
            for k, g in enumerate(["hopper", "blackwell", "blackwell-ultra", "rubin",
                                   "amd-instinct"])]
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.resize(1440, 760)
    win.show()
    qtbot.waitExposed(win)
    win.show_rows(rows, {"gpus": None, "power_mw": None, "hall": (26.8, 15.05),
                         "generations": [r.generation for r in rows]})
    qtbot.wait(20)
    before = {k: p.vb.height() for k, p in win.plots.items()}
    win.notes_button.click()
    qtbot.wait(20)
    assert win.charts.height() >= _CHARTS_MIN_PX
    for key, plot in win.plots.items():
        # the plot areas keep their height: the notes took their room from the table
        assert plot.vb.height() >= min(before[key], 60), (key, plot.vb.height())
    area = win.notes_area
    assert area.isVisible() and area.height() > 3 * win.notes.fontMetrics().lineSpacing()
    # wrapped, not cut: nothing runs past the window's right edge
    assert win.notes.wordWrap() and win.notes.width() <= area.viewport().width()
    assert area.horizontalScrollBar().maximum() == 0
    assert len(notes_text(rows)) == 6 and "…" not in win.notes.text()
    # the lower pane never drops below the charts plus the opened notes
    split = win.table.parentWidget()
    assert split.sizes()[1] >= _CHARTS_MIN_PX + area.height()
    # closed again, the table takes the room back
    table_open = win.table.height()
    win.notes_button.click()
    qtbot.wait(20)
    assert not area.isVisible() and win.table.height() > table_open


def test_a_gpu_count_typed_out_of_range_is_said_and_nothing_runs(qtbot, builtin_catalog):
    """0 GPUs typed into the intent: Qt puts the last value back when the field is left;
    the window says what was refused and runs no comparison on a value nobody typed."""
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.show()
    win.by_gpus.setChecked(True)
    win.gpus.setFocus()
    win.gpus.selectAll()
    qtbot.keyClicks(win.gpus, "0")
    win.run_button.setFocus()  # leaving the field: Qt's fix-up
    win.gpus.interpretText()
    win.gpus.fixup(win.gpus.text())
    assert win.run() == -1 and not win.is_running()
    assert "GPUs: 0 is outside 1 to 100,000,000; nothing was compared" in win.status.text()
    assert win.gpus.take_refusal() == ""  # said once


def test_a_corrected_entry_forgets_the_refusal(qtbot, builtin_catalog, monkeypatch):
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.show()
    win.by_gpus.setChecked(True)
    for text in ("200000000", "2048"):
        win.gpus.setFocus()
        win.gpus.selectAll()
        qtbot.keyClicks(win.gpus, text)
        win.gpus.fixup(win.gpus.text()) if text.startswith("2000") else win.gpus.interpretText()
    started = []
    monkeypatch.setattr(win.jobs, "start", lambda kw, cat: started.append(kw) or 7)
    assert win.run() == 7 and started and started[0]["gpus"] == 2048


def test_bar_labels_never_run_into_each_other(qtbot, builtin_catalog):
    # five generations' bars in a 1,000 px window: a figure wider than its bar's slot
    # ("1,152" GPUs side by side read "1,1521,152") gives way; wide, every bar is labelled
    from designer.library.compare_window import CompareWindow
    from engine.compare import compare

    rows = compare(gpus=1024, catalog=builtin_catalog)
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    intent = {"gpus": 1024, "power_mw": None, "generations": [r.generation for r in rows],
              "hall": None}
    win.show_rows(rows, intent)
    for size in ((1000, 650), (2400, 1200)):
        win.resize(*size)
        win.show()
        qtbot.wait(50)
        for key, (_h, texts) in win._bar_labels.items():
            slot = win.plots[key].vb.width() / len(texts)
            shown = [t for t in texts if t.isVisible()]
            assert all(t.textItem.boundingRect().width() <= slot - 2 for t in shown), key
            if size[0] == 2400:
                assert len(shown) == len(texts), key
