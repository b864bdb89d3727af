"""Power: hand-checked rack, feed, derating, A/B and PUE figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.analysis import analyze
from engine.model import PowerFeed
from engine.power import feed_loads, pue_model


def codes(analysis, prefix="POWER"):
    return sorted(v.code for v in analysis.violations if v.code.startswith(prefix))


def test_rack_of_four_dgx_h100_is_40_8_kw_and_4420_cfm(builder, catalog):
    # [S01]: DGX H100 10.2 kW max and 1,105 CFM each; NVIDIA's SuperPOD rack of four is
    # 40.8 kW [S41]; 4 x 1,105 = 4,420 CFM
    a = analyze(builder().rack("R1", 2, 2).build(), catalog)
    assert a.power.rack_kw.tolist() == [40.8]
    assert a.power.it_kw == pytest.approx(40.8)
    assert a.power.max_rack_kw == pytest.approx(40.8)
    assert a.arrays.rack_airflow_cfm.tolist() == [4420.0]
    assert a.cooling.airflow_cfm == 4420.0
    assert a.counts["gpus"] == 32 and a.counts["servers"] == 4
    # 32 GPUs per 0.0408 MW = 784.3 GPUs/MW
    assert a.power.gpus_per_mw == pytest.approx(32 / 0.0408)


def test_415v_60a_three_phase_feed_is_43_1_kva_and_34_5_kw_at_80_percent(builder, catalog):
    # sqrt(3) x 415 V x 60 A = 43.13 kVA nameplate; x 0.8 (NEC 210.20(A) [S65]) = 34.50 kW
    lay = builder().rack("R1", 2, 2).feed("A1", "A", amps=60).feed("B1", "B", amps=60).build()
    p = analyze(lay, catalog).power
    assert p.feed_rating_kw.round(1).tolist() == [43.1, 43.1]
    assert p.feed_budget_kw.round(1).tolist() == [34.5, 34.5]
    assert p.feed_budget_kw[0] == pytest.approx(math.sqrt(3) * 415 * 60 * 0.8 / 1000)


def test_a_b_feeds_split_normally_and_double_when_one_side_is_lost(builder, catalog):
    b = builder(12, 8)
    for i in range(4):
        b.rack(f"R{i}", 1 + 0.8 * i, 2)
    lay = b.feed("A1", "A").feed("B1", "B").build()
    p = analyze(lay, catalog).power
    # 4 racks x 40.8 kW = 163.2 kW, half on each side normally
    assert p.feed_load_kw.tolist() == pytest.approx([81.6, 81.6])
    # lose one side: the other carries every rack in full, twice its normal load
    assert p.feed_failover_kw.tolist() == pytest.approx([163.2, 163.2])
    assert np.allclose(p.feed_failover_kw, 2 * p.feed_load_kw)
    # 415 V 400 A busway: 287.5 kVA x 0.8 = 230.0 kW budget
    assert p.feed_utilization.tolist() == pytest.approx([81.6 / 230.02] * 2, rel=1e-4)
    assert p.rack_survives_a_loss.all() and p.rack_survives_b_loss.all()
    assert codes(analyze(lay, catalog)) == []


def test_failover_over_budget_is_an_a_b_loss_error(builder, catalog):
    # one 40.8 kW rack on two 60 A feeds: 20.4 kW each (59 % of 34.5), but 40.8 kW when
    # the other side is lost, over the 34.5 kW budget
    lay = builder().rack("R1", 2, 2).feed("A1", "A", amps=60).feed("B1", "B", amps=60).build()
    a = analyze(lay, catalog)
    assert a.power.feed_load_kw.tolist() == pytest.approx([20.4, 20.4])
    assert a.power.feed_failover_utilization.tolist() == pytest.approx([40.8 / 34.5] * 2,
                                                                       rel=1e-3)
    assert codes(a) == ["POWER-AB-LOSS", "POWER-AB-LOSS"]
    assert {v.items for v in a.violations if v.code == "POWER-AB-LOSS"} == {("A1",), ("B1",)}


def test_single_fed_rack_is_flagged_and_overload_is_an_error(builder, catalog):
    lay = builder().rack("R1", 2, 2).feed("A1", "A", amps=60).build()
    a = analyze(lay, catalog)
    assert a.power.rack_survives_b_loss.tolist() == [True]
    assert a.power.rack_survives_a_loss.tolist() == [False]
    # 40.8 kW on one 34.5 kW budget: over; and no second side
    assert codes(a) == ["POWER-FEED-OVER", "POWER-NO-REDUNDANCY"]
    single = next(v for v in a.violations if v.code == "POWER-NO-REDUNDANCY")
    assert single.severity == "warning" and single.items == ("R1",)
    over = next(v for v in a.violations if v.code == "POWER-FEED-OVER")
    assert over.severity == "error" and "40.8 kW" in over.message and "34.5 kW" in over.message


def test_two_feeds_on_the_same_side_are_not_redundant(builder, catalog):
    lay = builder().rack("R1", 2, 2).feed("A1", "A").feed("A2", "A").build()
    a = analyze(lay, catalog)
    assert a.power.feed_load_kw.tolist() == pytest.approx([20.4, 20.4])
    assert codes(a) == ["POWER-NO-REDUNDANCY"]


def test_unfed_and_unknown_feed_racks(builder, catalog):
    lay = (builder().feed("A1", "A").feed("B1", "B").rack("R1", 2, 2, feeds=[])
           .rack("R2", 4, 2, feeds=["A1", "Z9"]).build())
    a = analyze(lay, catalog)
    by_code = {v.code: v for v in a.violations if v.code.startswith("POWER")}
    assert by_code["POWER-UNFED"].items == ("R1",)
    assert by_code["POWER-UNKNOWN-FEED"].items == ("R2",)
    assert "Z9" in by_code["POWER-UNKNOWN-FEED"].message
    # R2's load stays on its one known feed
    assert a.power.feed_load_kw.tolist() == pytest.approx([40.8, 0.0])


def test_empty_rack_needs_no_feed(builder, catalog):
    a = analyze(builder().rack("R1", 2, 2, devices=(), feeds=[]).build(), catalog)
    assert a.power.it_kw == 0 and codes(a) == []


def test_derating_is_an_assumption(builder, catalog):
    lay = (builder().rack("R1", 2, 2).feed("A1", "A", amps=60).feed("B1", "B", amps=60)
           .assume(continuous_derating=1.0).build())
    a = analyze(lay, catalog)
    assert a.power.feed_budget_kw.round(2).tolist() == [43.13, 43.13]
    assert codes(a) == []  # 40.8 kW fits a 43.1 kW budget at 100 %


def test_rows_sum_to_the_hall(builder, catalog):
    lay = (builder().rack("R1", 2, 2, row="R01").rack("R2", 2.8, 2, row="R01")
           .rack("R3", 2, 6, row="R02", devices=("dgx-h100",) * 2).rack("R4", 6, 6).build())
    p = analyze(lay, catalog).power
    assert dict(zip(p.row_names, p.row_kw.tolist(), strict=True)) == \
        pytest.approx({"": 40.8, "R01": 81.6, "R02": 20.4})
    assert p.row_kw.sum() == pytest.approx(p.it_kw)


def test_utilization_factor_scales_power(builder, catalog):
    a = analyze(builder().rack("R1", 2, 2).assume(utilization_factor=0.5).build(), catalog)
    assert a.power.it_kw == pytest.approx(20.4)


def test_utilization_factor_scales_the_switches_a_fabric_generates(catalog):
    """A generated switch draws the utilization factor of its maximum, as the same switch
    installed by hand does; transceiver power is not scaled (a module draws its power
    whatever the traffic). 1 SU DGX H100 SuperPOD: 31 DGX x 10.2 kW = 316.2 kW, 12
    QM9700 x 1.72 kW = 20.64 kW [S11][S41], 124 DGX-side modules x 17 W = 2.108 kW."""
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=catalog)
    assumed = lay.assumptions.model_copy(update={"utilization_factor": 0.8})
    full = analyze(lay, catalog)
    part = analyze(lay.model_copy(update={"assumptions": assumed}), catalog)
    assert full.power.it_kw == pytest.approx(316.2 + 20.64 + 2.108)
    assert part.power.it_kw == pytest.approx(0.8 * (316.2 + 20.64) + 2.108)
    net = lay.fabrics[0].network_racks[0]
    k = part.arrays.rack_ids.index(net)
    assert part.power.rack_kw[k] == pytest.approx(0.8 * full.power.rack_kw[k], abs=0.5)


def test_pue_model_follows_the_air_liquid_mix(builder, catalog):
    # defaults: 1 + 0.08 fixed + 0.42 x air share + 0.07 x liquid share ([S62c] calibration)
    air = analyze(builder().rack("R1", 2, 2).build(), catalog).power
    assert air.pue == pytest.approx(1.50)
    assert air.facility_kw == pytest.approx(40.8 * 1.5)
    # GB200 NVL72: 80 % of its heat to liquid -> 1.08 + 0.2 x 0.42 + 0.8 x 0.07 = 1.22
    lay = builder().rack("N1", 2, 2, rack_type="nvl72-rack", system="gb200-nvl72").build()
    mix = analyze(lay, catalog).power
    assert mix.pue == pytest.approx(1.22)
    user = builder().rack("R1", 2, 2).assume(pue=1.3).build()
    assert analyze(user, catalog).power.facility_kw == pytest.approx(40.8 * 1.3)


def test_pue_model_edges():
    from engine.model import Hall, Layout

    lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]))
    assert pue_model(0.0, 100.0, lay) == pytest.approx(1.15)
    assert pue_model(0.0, 0.0, lay) == pytest.approx(1.08)


def test_feed_loads_function():
    # racks: 0 on feeds 0 (A) and 1 (B); 1 on feed 0 only; 2 unfed
    out = feed_loads(np.array([10.0, 6.0, 4.0]), np.array([0, 0, 1]), np.array([0, 1, 0]),
                     np.array([0, 1]), 2)
    assert out["load_kw"].tolist() == [5.0 + 6.0, 5.0]
    # lose A: feed 1 takes all of rack 0; lose B: feed 0 takes rack 0 in full plus rack 1
    assert out["failover_kw"].tolist() == [16.0, 10.0]
    assert out["count"].tolist() == [2, 1, 0]
    assert out["survives"].tolist() == [[True, False, False], [True, True, False]]


def test_feed_rating_uses_the_feed_fields():
    assert PowerFeed(id="B", voltage_v=415, amps=400).rating_kw == pytest.approx(287.52, abs=0.01)


def test_a_rack_moved_away_from_its_busway_is_out_of_tap_off_reach():
    from engine.analysis import Analyzer, analyze
    from engine.templates import instantiate

    # the hall's busways run over their rows (R01 at y = 3.6: runs at y = 3.4 and 3.8);
    # a rack dragged 2.4 m out of its row (footprint edge 1.8 m from the nearer run)
    # keeps its feeds, which no tap-off reaches
    lay = instantiate("dgx-h100-hall", {"racks": 16})
    assert not [v for v in analyze(lay).violations if v.code == "POWER-FEED-REACH"]
    an = Analyzer(lay)
    r = lay.racks[0]
    assert (r.row, r.y_m, r.feeds) == ("R01", 3.6, ["BW-01a-A", "BW-01a-B"])
    racks = [r.model_copy(update={"y_m": r.y_m - 2.4}), *lay.racks[1:]]
    moved = lay.model_copy(update={"racks": racks})
    inc = an.update(moved, [r.id])
    assert an.was_incremental
    far = [v for v in inc.violations if v.code == "POWER-FEED-REACH"]
    # rack depth 1.2 m: its far edge is at 3.6 - 2.4 + 0.6 = 1.8 m; runs at 3.4 and 3.8
    assert [(v.items, v.message.split(" m from")[0][-3:]) for v in far] == [
        (("GPU-0001", "BW-01a-A"), "1.6"), (("GPU-0001", "BW-01a-B"), "2.0")]
    assert all(v.severity == "warning" for v in far)
    assert inc.to_dict() == analyze(moved).to_dict()


def test_box_to_busway_distance_agrees_with_shapely():
    import shapely

    from engine.power import box_segment_distance

    rng = np.random.default_rng(7)
    lo = rng.uniform(0, 10, (3000, 2))
    box = np.concatenate([lo, lo + rng.uniform(0.1, 2.0, (3000, 2))], axis=1)
    seg = rng.uniform(-2, 12, (3000, 4))
    seg[::7, 2] = seg[::7, 0]          # vertical runs
    seg[::5, 3] = seg[::5, 1]          # horizontal runs, as busways mostly are
    seg[::11, 2:] = seg[::11, :2]      # a degenerate run (one point)
    lines = shapely.linestrings(np.stack([seg[:, :2], seg[:, 2:]], axis=1))
    want = shapely.distance(shapely.box(*box.T), lines)
    points = shapely.distance(shapely.box(*box.T), shapely.points(seg[:, :2]))
    want = np.where(np.isnan(want), points, want)
    assert np.allclose(box_segment_distance(box, seg), want, atol=1e-9)


def _with_runs(lay, *runs):
    """``lay`` with busway runs ``(id, side, y)`` drawn across the hall at ``y``."""
    from engine.model import PowerFeed

    return lay.model_copy(update={"feeds": [*lay.feeds, *(
        PowerFeed(id=fid, side=side, amps=400, points=[(0.0, y), (20.0, y)])
        for fid, side, y in runs)]})


def test_a_rack_that_loses_its_pdus_takes_the_runs_over_it(builder, catalog):
    # a rack on two rack PDUs under an A and a B busway (drawn after the PDUs, so the
    # rack kept them): deleting the PDUs feeds it from the busways, not from nothing
    from engine import edits
    from engine.model import PowerFeed

    lay = builder().rack("R1", 2, 2, feeds=["PDU-A", "PDU-B"]).build()
    lay = lay.model_copy(update={"feeds": [
        PowerFeed(id="PDU-A", kind="pdu", side="A", amps=60, points=[(1.85, 2.52)]),
        PowerFeed(id="PDU-B", kind="pdu", side="B", amps=60, points=[(2.15, 2.52)])]})
    lay = _with_runs(lay, ("BW-A", "A", 2.1), ("BW-B", "B", 1.9), ("BW-FAR", "A", 9.0))
    one = edits.remove_items(lay, ["PDU-A"], catalog)
    assert one.racks[0].feeds == ["PDU-B", "BW-A"]
    both = edits.remove_items(one, ["PDU-B"], catalog)
    assert both.racks[0].feeds == ["BW-A", "BW-B"]
    assert not {"POWER-UNFED", "POWER-NO-REDUNDANCY"} & set(codes(analyze(both, catalog)))
    # with no run of a side in reach, the side stays unfed
    far = edits.remove_items(_with_runs(lay.model_copy(update={"feeds": lay.feeds[:2]}),
                                        ("BW-FAR", "B", 9.0)), ["PDU-B"], catalog)
    assert far.racks[0].feeds == ["PDU-A"]


def test_power_rules_name_the_run_in_reach_to_take(builder, catalog):
    # an unfed rack with an A and a B run passing 0.1 m from its centre: the rule names
    # them; a rack fed from A alone with a B run in reach is told to name that run
    lay = _with_runs(builder().rack("R1", 2, 2, feeds=[]).build(),
                     ("BW-A", "A", 2.1), ("BW-B", "B", 1.9))
    unfed = next(v for v in analyze(lay, catalog).violations if v.code == "POWER-UNFED")
    assert "(BW-A and BW-B pass within 1.5 m of it: name them in its Feeds)" in unfed.message
    lay = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"feeds": ["BW-A"]})]})
    single = next(v for v in analyze(lay, catalog).violations
                  if v.code == "POWER-NO-REDUNDANCY")
    assert single.message.endswith("(BW-B of side B passes within 1.5 m of it: name it in "
                                   "its Feeds)")
    # with no run in reach, what to draw
    bare = builder().rack("R1", 2, 2, feeds=[]).build()
    unfed = next(v for v in analyze(bare, catalog).violations if v.code == "POWER-UNFED")
    assert "(draw an A and a B busway over its row, or name feeds within 1.5 m of it)" \
        in unfed.message


def test_a_copied_rack_brings_its_pdus_and_hangs_on_them(builder, catalog):
    # a rack on its own two rack PDUs, copied and pasted 2.4 m along: the copy comes with
    # PDUs of its own (moved with it) and is fed from them, not from a busway in reach nor
    # from the original's PDUs; a PDU shared with a rack left behind stays behind
    from engine import edits
    from engine.model import PowerFeed

    lay = builder().rack("R1", 2, 2, feeds=["PDU-A", "PDU-B"]).rack(
        "R2", 5, 2, feeds=["PDU-A", "PDU-C"]).build()
    lay = _with_runs(lay.model_copy(update={"feeds": [
        PowerFeed(id="PDU-A", kind="pdu", side="A", amps=60, points=[(1.85, 2.52)]),
        PowerFeed(id="PDU-B", kind="pdu", side="B", amps=60, points=[(2.15, 2.52)]),
        PowerFeed(id="PDU-C", kind="pdu", side="B", amps=60, points=[(5.15, 2.52)])]}),
        ("BW-A", "A", 2.1))
    payload = edits.copy_items(lay, ["R1"])
    assert [f["id"] for f in payload["feeds"]] == ["PDU-B"]  # PDU-A also feeds R2
    out = edits.paste(lay, payload, (0.0, 2.4), catalog=catalog)
    copy = out.racks[-1]
    new_pdu = next(f for f in out.feeds if f.id not in {f.id for f in lay.feeds})
    assert new_pdu.kind == "pdu" and new_pdu.points[0] == pytest.approx((2.15, 4.92))
    assert new_pdu.id in copy.feeds and "PDU-B" not in copy.feeds
    both = edits.copy_items(lay, ["R1", "R2"])
    assert sorted(f["id"] for f in both["feeds"]) == ["PDU-A", "PDU-B", "PDU-C"]
