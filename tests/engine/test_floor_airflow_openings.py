"""FLOOR-AIRFLOW names the fix that fits: across an open aisle, turn a rack; through the
opening a missing rack leaves in a row between two rows facing the same way, fill it."""

from __future__ import annotations

from engine.analysis import analyze
from engine.templates import instantiate


def _airflow(layout) -> list[str]:
    return [v.message for v in analyze(layout).violations if v.code == "FLOOR-AIRFLOW"]


def test_a_rack_missing_from_the_middle_row_is_an_opening_to_fill_not_a_rack_to_turn():
    lay = instantiate("gb200-nvl72-superpod", {})
    assert _airflow(lay) == []
    gone = next(r for r in lay.racks if r.row == "R02" and r.id.startswith("NET"))
    lay = lay.model_copy(update={"racks": [r for r in lay.racks if r is not gone]})
    messages = _airflow(lay)
    # R01 and R03 face the same way two rows apart: R03's exhaust reaches R01's intakes
    # through the opening (6 m reach, one rack deep row and two aisles between)
    assert messages
    for m in messages:
        assert "through the opening in row R02 between them" in m
        assert "blanking" in m and "turn one" not in m


def test_a_rack_turned_the_wrong_way_across_an_aisle_is_told_to_turn():
    lay = instantiate("dgx-h100-hall", {"racks": 8})
    first = lay.racks[0]
    turned = first.model_copy(update={"rotation_deg": (first.rotation_deg + 180) % 360})
    lay = lay.model_copy(update={"racks": [turned, *lay.racks[1:]]})
    messages = _airflow(lay)
    assert messages and all("turn one: fronts face fronts" in m for m in messages)
    assert not any("opening" in m for m in messages)
