"""Cancel in the compare window stops the generation being computed, not only the ones
after it: the engine's comparison is asked before each probe and ends at the next one."""

from __future__ import annotations

import threading

import pytest
from panel_helpers import hall_compare_window  # tests/designer is on pytest's path

from designer.library import compare_job
from designer.library.compare_window import CompareWindow
from engine.compare import CompareCancelled
from engine.compare import compare as real_compare


class _Spy:
    """The real comparison, recording for each generation the probes it made, the probes
    made when ``should_stop`` first said stop, and how it ended."""

    def __init__(self) -> None:
        self.runs: list[dict] = []
        self.lock = threading.Lock()
        #: the worker waits after this many probes of its first run until ``release`` is
        #: set: the test then acts inside a generation without racing it
        self.hold_after: int | None = None
        self.release = threading.Event()

    def __call__(self, *args, should_stop=None, progress=None, **kw):
        rec = {"generations": kw.get("generations"), "probes": 0, "stopped_at": None,
               "outcome": None}
        with self.lock:
            self.runs.append(rec)

        def stop() -> bool:
            asked = bool(should_stop and should_stop())
            if asked and rec["stopped_at"] is None:
                rec["stopped_at"] = rec["probes"]
            return asked

        def probed(gen: str, n: int) -> None:
            rec["probes"] = n
            if progress is not None:
                progress(gen, n)
            if self.hold_after is not None and n >= self.hold_after and rec is self.runs[0]:
                self.release.wait(60)

        try:
            rows = real_compare(*args, should_stop=stop, progress=probed, **kw)
        except CompareCancelled:
            rec["outcome"] = "cancelled"
            raise
        rec["outcome"] = "done"
        return rows


@pytest.fixture
def spy(monkeypatch):
    s = _Spy()
    monkeypatch.setattr(compare_job, "compare", s)
    return s


def _window(qtbot, builtin_catalog) -> CompareWindow:
    # the most blocks of Rubin, then AMD, in a 30 x 20 m hall: dozens of probes each
    win = hall_compare_window(qtbot, builtin_catalog, ["rubin", "amd-instinct"], (30.0, 20.0))
    win.show()
    return win


def test_cancel_during_a_generation_stops_it_at_the_next_probe(qtbot, spy, builtin_catalog):
    win = _window(qtbot, builtin_catalog)
    compared: list = []
    win.compared.connect(compared.append)
    spy.hold_after = 3  # Rubin takes 37 probes of this hall: held inside it at the third
    win.run()
    # well inside the first generation: a few layouts tried, the status counts them
    qtbot.waitUntil(lambda: bool(spy.runs) and spy.runs[0]["probes"] >= 3, timeout=60_000)
    qtbot.waitUntil(lambda: "layouts tried" in win.status.text(), timeout=10_000)
    assert "computing Rubin…" in win.status.text()
    win.cancel_button.click()
    spy.release.set()
    assert not win.is_running() and not win.cancel_button.isEnabled()
    assert win.status.text() == "Cancelled after 0 of 2 generations. Rubin was stopped part-way."
    assert win.jobs.wait(60_000)
    qtbot.wait(50)
    (run,) = spy.runs  # AMD never started
    assert run["generations"] == ["rubin"] and run["outcome"] == "cancelled"
    # not one probe after the one under way when Cancel was pressed (how long that probe
    # takes is the machine's business: no clock here, a shared machine makes it flaky)
    assert run["stopped_at"] is not None and run["probes"] == run["stopped_at"]
    assert run["probes"] < 37, "Rubin's 37 probes of this hall were not all made"
    assert compared == [] and win.rows == [] and win.model.pending == {}


def test_a_new_run_after_cancel_is_not_held_up_by_the_cancelled_one(qtbot, spy,
                                                                    builtin_catalog):
    win = _window(qtbot, builtin_catalog)
    spy.hold_after = 1
    win.run()
    qtbot.waitUntil(lambda: bool(spy.runs) and spy.runs[0]["probes"] >= 1, timeout=60_000)
    win.cancel_button.click()
    spy.release.set()
    win.set_generations(["blackwell"])
    win.by_gpus.setChecked(True)
    win.gpus.setValue(1152)
    win.has_hall.setChecked(False)
    with qtbot.waitSignal(win.compared, timeout=120_000) as sig:
        win.run()
    assert [r.gpus for r in sig.args[0]] == [1152]
    # (the cancelled run may still be finishing its probe on the other thread)
    assert win.jobs.wait(20_000)
    assert [r["outcome"] for r in spy.runs] == ["cancelled", "done"]
