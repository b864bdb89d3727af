"""The inspector's computed figures are never cut off: a value wraps onto as many lines as
it needs in a narrow dock (with the scroll bar taking its share of the width), and one
that still cannot fit says so on hover."""

from __future__ import annotations

import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtWidgets import QApplication

from designer.panels.inspector import InspectorPanel


@pytest.mark.parametrize("width, height", [(300, 500), (250, 420), (240, 600), (420, 900)])
@pytest.mark.parametrize("selected_first", [True, False])
def test_every_computed_value_gets_the_height_of_its_lines(qtbot, doc, width, height,
                                                          selected_first):
    if selected_first:  # the panel opens on a selection (a dock shown again)
        doc.select(["GPU-0001", "GPU-0002"])
    panel = make(qtbot, InspectorPanel, doc, (width, height))
    doc.select(["GPU-0001", "GPU-0002"])
    QApplication.processEvents()
    cut = {key: (lab.text(), lab.height(), lab.heightForWidth(lab.width()))
           for key, lab in panel.computed.items()
           if lab.height() < lab.heightForWidth(lab.width())}
    assert not cut, cut
    airflow = panel.computed["Airflow (CFM)"]
    assert "total, max" in airflow.text()
    if width <= 300:
        line = airflow.fontMetrics().lineSpacing()
        assert airflow.height() >= 2 * line, "the multi-selection's figure wraps, whole"


def test_a_value_too_wide_to_wrap_is_whole_on_hover(qtbot, doc):
    panel = make(qtbot, InspectorPanel, doc, (260, 600))
    doc.select(["GPU-0001"])
    QApplication.processEvents()
    lab = panel.computed["IT power (kW)"]
    assert "IT power" not in lab.toolTip()  # a value that fits: the row's explanation only
    long_word = "1,234,567,890,123,456,789,012,345,678 kW"
    lab.setText(long_word)
    QApplication.processEvents()
    assert lab.fontMetrics().horizontalAdvance(long_word.split()[0]) > lab.width()
    assert long_word in lab.toolTip()
