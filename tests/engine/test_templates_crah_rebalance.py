"""Template halls: the CRAHs of a hall of a few long rows stay within their capacity.

dgx-h100-hall puts one CRAH column on each side wall and lets the hall grow to fit it.
A hall of two or three rows of up to 40 DGX H100 racks (32 m) carries up to about
3 MW of air in rows only about 5 m deep: a single wall column of the units that heat
needs stands far past the rows, where a unit takes little air, and the few units level
with the rows carry the rest. The rebalance then stands the units in a deeper
gallery, column by column, until they stand level with the rows, before it adds units.
"""

from __future__ import annotations

import numpy as np
import pytest

from designer.cli import main as cli_main
from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.templates import instantiate

CAT = load_catalog(user_dir=None)


# racks x racks_per_row of dgx-h100-hall: the long-row halls whose units once ended over
# capacity (65 x 40 up to 103 %, 80 x 40 102 %, 66 x 36 106 %, 73 x 40 108 %, 55 x 32
# 101 %), long-row halls that now stand in a deeper gallery (33 x 20, 64 x 40), and
# halls of every shape elsewhere in the range (one rack, short rows, many rows)
@pytest.mark.parametrize(("racks", "per_row"), [
    (65, 40), (80, 40), (66, 36), (73, 40), (55, 32), (33, 20), (64, 40),
    (1, 3), (8, 40), (16, 8), (100, 40), (129, 12), (256, 20), (512, 3),
])
def test_dgx_h100_hall_checks_clean_with_no_crah_over_capacity(racks, per_row):
    lay = instantiate("dgx-h100-hall", {"racks": racks, "racks_per_row": per_row},
                      catalog=CAT)
    a = analyze(lay, CAT)
    crah = np.array([k == "crah" for k in a.cooling.unit_kind])
    assert a.cooling.unit_utilization[crah].max() <= 1.0 + 1e-9
    errors = [f"{v.code}: {v.message}" for v in a.violations if v.severity == "error"]
    assert not errors
    assert not [v.code for v in a.violations if v.code.startswith("COOL")]
    for g in set(a.cooling.unit_group[crah].tolist()):
        assert a.cooling.group_margin_kw[g] >= 0, a.cooling.group_names[g]


@pytest.mark.parametrize(("racks", "per_row"), [(65, 40), (80, 40)])
def test_a_hall_of_a_few_long_rows_keeps_its_crahs_level_with_the_rows(racks, per_row):
    # 65 x 40: 80 racks in three rows (25, 40 and 15 racks, their centres 4.8 m apart)
    # reject about 3.1 MW to air, 23 units of 150 kW with the 1.1 margin. In one column
    # per wall (two once the rebalance deepened it) they stood over a wall 46 m long,
    # up to 18.6 m past the outer rows (80 x 40: 16 m); in a gallery three or four
    # columns deep none stands more than 6 m past them (65 x 40: 3.3 m, 80 x 40: 5.9 m)
    lay = instantiate("dgx-h100-hall", {"racks": racks, "racks_per_row": per_row},
                      catalog=CAT)
    lo = min(r.y_m for r in lay.racks)
    hi = max(r.y_m for r in lay.racks)
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    past = max(max(lo - u.y_m, u.y_m - hi, 0.0) for u in crahs)
    assert past <= 6.0
    west = {u.x_m for u in crahs if u.x_m < lay.racks[0].x_m}
    assert 2 < len(west) <= 4  # gallery columns on the west side: at most four


def test_cli_new_and_check_of_the_reported_hall_has_no_cooling_warning(tmp_path, capsys):
    out = tmp_path / "hall.json"
    assert cli_main(["new", "dgx-h100-hall", "--set", "racks=65", "--set", "racks_per_row=40",
                     "-o", str(out)]) == 0
    capsys.readouterr()
    assert cli_main(["check", str(out)]) == 0
    text = capsys.readouterr().out
    assert "COOL-" not in text
    assert "0 error(s), 0 warning(s)" in text
