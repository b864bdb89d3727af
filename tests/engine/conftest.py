"""Shared fixtures of the engine tests."""

from __future__ import annotations

import json

import pytest

from engine.compare import GenerationPlan

#: A block is 4 racks of 800 x 1200 mm with four DGX H100 each (128 GPUs), in rows of 2 to 8
#: racks, with no cooling units, so the laid-out hall is the rows, their aisles and the
#: clearances of engine/templates.py's ``_lay_out``:
#:   width = margin + racks_per_row x 0.8 + margin                 = 3.0 + 0.8 r
#:   depth = margin + rows x 1.2 + (rows - 1) x 1.2 aisle + service + margin = 3.0 + 2.4 rows
ROWS_TEMPLATE = {
    "schema": "rackscape.template/1", "id": "dgx-rows", "title": "Rows of DGX H100",
    "generation": "hopper",
    "parameters": [
        {"name": "scalable_units", "type": "int", "default": 1, "min": 1, "max": 40},
        {"name": "racks_per_row", "type": "int", "default": 4, "min": 2, "max": 8}],
    "hall": {"racks_per_row": "racks_per_row", "cold_aisle_m": 1.2, "hot_aisle_m": 1.2,
             "margin_m": 1.5, "service_m": 1.2},
    "racks": [{"name": "compute", "count": "4 * scalable_units", "rack_type": "rack-800x1200",
               "devices": [{"type": "dgx-h100", "count": 4, "u": 3, "pitch_u": 9}]}],
    "cooling": {"air_unit": None, "liquid_unit": None},
}
ROWS = GenerationPlan("hopper", "dgx-rows")


@pytest.fixture
def rows_template(tmp_path, monkeypatch):
    """The plan of ROWS_TEMPLATE, installed in a user library of its own."""
    from engine.templates import USER_DIR_ENV  # the user library this test owns

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "dgx-rows.json").write_text(json.dumps(ROWS_TEMPLATE))
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    return ROWS
