"""One design intent across generations: the sizing rule, the power envelope, the hall,
and the ``rackscape compare`` command (table, ``--json`` keys, exit codes)."""

from __future__ import annotations

import json

import pytest

from designer.cli import main as cli_main
from engine.catalog import load_catalog
from engine.compare import (
    COMPARE_SCHEMA,
    PLANS,
    CompareRow,
    compare,
    compare_dict,
    format_table,
    most_blocks,
    parse_generations,
    parse_hall,
)
from engine.templates import ParameterError

CAT = load_catalog(user_dir=None)
ROW_KEYS = {"generation", "template", "param", "param_value", "preliminary", "gpus", "racks",
            "floor_area_m2", "hall_m", "fits_hall", "it_mw", "facility_mw", "liquid_share",
            "gpus_per_mw", "switches", "cables", "optics", "optics_kw", "bisection_tbps",
            "per_gpu_bisection_gbps", "bisection_method", "scaleup_domain_gpus",
            "failing_rules", "warnings", "warning_rules", "violations", "hall_note", "note",
            "error", "gpus_per_facility_mw", "params", "block", "block_note", "power_figures",
            "unknown_power", "optics_is_lower_bound"}


@pytest.fixture(scope="module")
def by_gpus() -> list[CompareRow]:
    return compare(gpus=2000, catalog=CAT)


def test_every_default_generation_has_a_plan_and_a_row(by_gpus):
    assert [r.generation for r in by_gpus] == list(PLANS)
    assert all(not r.error for r in by_gpus)


def test_gpu_intent_takes_the_fewest_whole_blocks(by_gpus):
    for row in by_gpus:
        assert row.gpus >= 2000
        if row.param_value > 1:
            fewer = compare(gpus=2000, generations=[row.generation], catalog=CAT)[0]
            assert fewer.param_value == row.param_value
            # one block less would not reach the intent
            per_block = row.gpus / row.param_value
            assert per_block * (row.param_value - 1) < 2000
    hopper = by_gpus[0]
    assert (hopper.template, hopper.param_value, hopper.gpus) == ("dgx-h100-superpod", 8, 2048)


def test_rows_carry_the_figures_of_the_analysis(by_gpus):
    for row in by_gpus:
        assert row.racks > 0 and row.floor_area_m2 > 0
        assert row.facility_mw >= row.it_mw > 0
        assert row.gpus_per_mw == pytest.approx(row.gpus / row.it_mw, rel=1e-3)
        assert row.gpus_per_facility_mw == pytest.approx(row.gpus / row.facility_mw, rel=1e-3)
        assert 0 <= row.liquid_share <= 1
        assert row.switches > 0 and row.cables > 0
        assert row.bisection_tbps > 0 and row.per_gpu_bisection_gbps > 0
        assert not row.failing_rules
    scaleup = {r.generation: r.scaleup_domain_gpus for r in by_gpus}
    assert scaleup["hopper"] == 8 and scaleup["blackwell"] == 72
    assert next(r for r in by_gpus if r.generation == "rubin").preliminary
    assert next(r for r in by_gpus if r.generation == "hopper").liquid_share == 0


def test_power_envelope_takes_the_most_blocks_that_fit():
    rows = compare(power_mw=6.0, generations=["hopper", "blackwell"], catalog=CAT)
    for row in rows:
        assert 0 < row.facility_mw <= 6.0
        more = compare(gpus=row.gpus + 1, generations=[row.generation], catalog=CAT)[0]
        assert more.facility_mw > 6.0


def test_power_envelope_too_small_for_one_block_fails_clearly():
    row = compare(power_mw=0.05, generations=["blackwell"], catalog=CAT)[0]
    assert "does not fit" in row.note and "COMPARE-POWER-ENVELOPE" in row.failing_rules


def test_hall_is_fitted_or_the_overflow_fails_floor_rules():
    big = compare(gpus=512, generations=["hopper"], hall=(60.0, 60.0), catalog=CAT)[0]
    assert big.fits_hall is True and not big.failing_rules
    assert big.hall_m[0] <= 60 and big.hall_m[1] <= 60
    small = compare(gpus=4096, generations=["hopper"], hall=(12.0, 12.0), catalog=CAT)[0]
    assert small.fits_hall is False and "FLOOR-OUTSIDE" in small.failing_rules


def test_a_design_that_misses_the_hall_says_by_how_much_and_what_stands_outside():
    """A design that misses the hall says so with what it needs and what stands outside,
    not a bare "Fits hall: no" with no failing rule (as for a 15 x 10 m hall for 504 GPUs,
    which every generation misses). A 16 x 8 m hall fits
    neither design either way round (laid out, 2 SU of DGX H100 need 18.6 x 9 m and one
    SU of GB300 16.6 x 7.84 m, their network racks in line in their rows)."""
    rows = compare(gpus=504, generations=["hopper", "blackwell-ultra"], hall=(16.0, 8.0),
                   catalog=CAT)
    for row in rows:
        w, d = row.hall_m
        # each design misses the hall by least the way it is laid out: as given or turned
        turned = "the 16 x 8 m hall turned 90°, rows along its 8 m side" in row.hall_note
        hw, hd = (8.0, 16.0) if turned else (16.0, 8.0)
        assert row.fits_hall is False and (w > hw or d > hd)
        note = row.hall_note
        assert note.startswith(f"laid out it needs {w:g} x {d:g} m: ")
        assert f"than the {hw:g} x {hd:g} m hall" in note
        if w > hw:
            assert f"{round(w - hw, 2):g} m wider" in note
        if d > hd:
            assert f"{round(d - hd, 2):g} m deeper" in note
        # nothing stands outside: only the generated clearance to the walls is short
        assert "FLOOR-OUTSIDE" not in row.failing_rules and "stand inside it" in note
    small = compare(gpus=4096, generations=["hopper"], hall=(12.0, 12.0), catalog=CAT)[0]
    outside = next(v for v in small.violations if v["code"] == "FLOOR-OUTSIDE")
    assert f"{outside['count']} of its racks and units stand outside it" in small.hall_note
    fits = compare(gpus=512, generations=["hopper"], hall=(60.0, 60.0), catalog=CAT)[0]
    assert fits.fits_hall is True and fits.hall_note == ""


# -- the hall alone: the most blocks that fit it ------------------------------------------


def test_a_hall_alone_takes_the_most_blocks_that_fit(rows_template, monkeypatch):
    """A 7.1 x 13 m hall: rows of at most 5 racks (3.0 + 5 x 0.8 = 7.0 m; 6 take 7.8 m) and
    at most 4 rows (3.0 + 4 x 2.4 = 12.6 m; 5 take 15.0 m), so at most 20 racks: 5 blocks,
    in 4 rows of 5. 6 blocks (24 racks) need rows of 6 (7.8 m wide) or 5 rows (15 m deep)."""
    from engine import compare as cmp

    tried: set[int] = set()
    instantiate = cmp.instantiate

    def counting(t, params, **kw):
        tried.add(params["scalable_units"])
        return instantiate(t, params, **kw)

    monkeypatch.setattr(cmp, "instantiate", counting)
    row = compare(hall=(7.1, 13.0), generations=[rows_template], catalog=CAT)[0]
    assert (row.param_value, row.gpus, row.racks) == (5, 640, 20)
    assert row.fits_hall is True and row.hall_m == (7.0, 12.6) and row.hall_note == ""
    assert "FLOOR-OUTSIDE" not in row.failing_rules and not row.note
    # a search over the 40 counts, not each of them: 1, 2, 4, 8, then 6 and 5, then 6 to 11;
    # only 1, 2, 4 and 5 are laid out, the others' least floor is already too large
    assert tried == {1, 2, 4, 5}, sorted(tried)
    assert most_blocks(rows_template, (7.1, 13.0), CAT) == 5
    more = compare(gpus=6 * 128, hall=(7.1, 13.0), generations=[rows_template],
                   catalog=CAT)[0]
    assert (more.param_value, more.fits_hall) == (6, False)
    # one row of 4 racks, 6.2 x 5.4 m, fits only from there on
    assert most_blocks(rows_template, (6.2, 5.4), CAT) == 1
    assert most_blocks(rows_template, (6.2, 5.3), CAT) == 0
    d = compare_dict([row], hall=(7.1, 13.0))
    assert d["intent"] == {"gpus": None, "power_mw": None, "hall_m": [7.1, 13.0]}
    assert d["rule"].startswith("the most whole blocks that fit the 7.1 x 13 m hall")


def test_a_hall_too_small_for_one_block_says_so_and_why(rows_template):
    # 4 x 4 m: the row of 4 racks ends at 1.5 + 3.2 = 4.7 m, its last rack stands outside
    row = compare(hall=(4.0, 4.0), generations=[rows_template], catalog=CAT)[0]
    assert not row.error and row.param_value == 1 and row.fits_hall is False
    assert row.note == "does not fit: not one block (scalable_units=1) fits the hall"
    assert {"COMPARE-HALL", "FLOOR-OUTSIDE"} <= set(row.failing_rules)
    assert row.hall_note.endswith("1 of its racks and units stands outside it")
    assert [v["code"] for v in row.violations if v["severity"] == "error"] == \
        row.failing_rules
    # 7 x 5 m: the racks stand inside, only the clearance to the walls is short (5.4 m deep)
    tight = compare(hall=(7.0, 5.0), generations=[rows_template], catalog=CAT)[0]
    assert "COMPARE-HALL" in tight.failing_rules and "FLOOR-OUTSIDE" not in tight.failing_rules
    assert "short of the clearance to the walls" in tight.hall_note


def test_a_design_that_misses_the_hall_says_how_much_of_it_the_hall_holds(rows_template):
    row = compare(gpus=1000, hall=(7.1, 13.0), generations=[rows_template], catalog=CAT)[0]
    assert row.fits_hall is False and row.gpus == 1024
    assert row.hall_note.endswith("; the hall holds 5 scalable units (640 GPUs)")
    assert "\n" not in row.hall_note
    fits = compare(gpus=600, hall=(7.1, 13.0), generations=[rows_template], catalog=CAT)[0]
    assert fits.fits_hall is True and fits.hall_note == ""
    none = compare(gpus=128, hall=(4.0, 4.0), generations=[rows_template], catalog=CAT)[0]
    assert none.hall_note.endswith("; the hall holds not one scalable unit")
    power = compare(power_mw=50.0, hall=(7.1, 13.0), generations=[rows_template],
                    catalog=CAT)[0]
    assert power.fits_hall is False and power.hall_note.endswith(
        "the hall holds 5 scalable units (640 GPUs)")


def test_the_most_blocks_of_a_reference_design_fit_and_one_more_does_not():
    """The DGX H100 SuperPOD in a 30 x 20 m hall: 10 SUs fit (25.8 x 18 m in rows of 14
    compute racks, the network racks in line with them); 11 need 30.2 m at their best
    row length and 12 need 31 m."""
    from engine.compare import _make, _template, _within

    plan = PLANS["hopper"]
    t, _, _ = _template(plan)
    row = compare(hall=(30.0, 20.0), generations=["hopper"], catalog=CAT)[0]
    assert row.param_value == 10 and row.fits_hall is True and not row.failing_rules
    assert _within(_make(t, plan, 10, (30.0, 20.0), CAT), (30.0, 20.0))
    assert not _within(_make(t, plan, 11, (30.0, 20.0), CAT), (30.0, 20.0))
    assert not _within(_make(t, plan, 12, (30.0, 20.0), CAT), (30.0, 20.0))


def test_cli_hall_alone(capsys):
    # 3 SU of GB200 rows (1,728 GPUs) fit the 20 x 15 m hall as given, 4 with it turned
    assert cli_main(["compare", "--hall", "20x15", "--generations", "blackwell"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("compare: the most whole blocks that fit the 20 x 15 m hall")
    assert "4 SU" in out and "2,304" in out
    assert "blackwell: the 20 x 15 m hall turned 90°, rows along its 15 m side" in out


def test_cli_compare_help_names_every_option_and_the_three_intents(capsys):
    from designer.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["compare"]
    assert all(a.help for a in sub._actions)
    for intent in ("--gpus N", "--power-mw P", "--hall WxD alone"):
        assert intent in sub.description


def test_rows_name_the_rules_behind_their_errors_and_warnings():
    row = compare(gpus=504, generations=["blackwell-ultra"], hall=(15.0, 10.0), catalog=CAT)[0]
    assert row.warnings >= 1 and row.warning_rules
    warned = [v for v in row.violations if v["severity"] == "warning"]
    assert [v["code"] for v in warned] == row.warning_rules
    assert sum(v["count"] for v in warned) == row.warnings
    assert all(v["message"] for v in row.violations)
    small = compare(gpus=4096, generations=["hopper"], hall=(12.0, 12.0), catalog=CAT)[0]
    errors = [v for v in small.violations if v["severity"] == "error"]
    assert [v["code"] for v in errors] == small.failing_rules
    # errors come first
    sev = [v["severity"] for v in small.violations]
    assert sev == sorted(sev, key=lambda s: s != "error")
    json.dumps(compare_dict([row, small], gpus=504, hall=(15.0, 10.0)))


def test_cli_table_names_warning_rules_and_hall_notes(capsys):
    assert cli_main(["compare", "--gpus", "504", "--hall", "16x8", "--generations",
                     "blackwell-ultra"]) == 0
    out = capsys.readouterr().out
    assert "warning rules" in out
    assert "blackwell-ultra: laid out it needs " in out


def test_a_count_beyond_the_template_is_capped_and_said_so():
    row = compare(gpus=10**6, generations=["rubin"], catalog=CAT)[0]
    assert row.gpus < 10**6 and row.note.startswith("short")
    # the intent is not met: the comparison's own rule fails, as an unmet power envelope's
    assert "COMPARE-GPU-GOAL" in row.failing_rules
    goal = next(v for v in row.violations if v.get("code") == "COMPARE-GPU-GOAL")
    assert goal["severity"] == "error" and f"of {10**6:,} GPUs" in goal["message"]


def test_generation_template_override_and_bad_inputs():
    plans = parse_generations("hopper,blackwell:dgx-b200-superpod,hopper:meta-24k-roce")
    assert [(p.template_id, p.param) for p in plans] == [
        ("dgx-h100-superpod", "scalable_units"), ("dgx-b200-superpod", "scalable_units"),
        ("meta-24k-roce", "pods")]
    with pytest.raises(ParameterError, match="unknown generation"):
        parse_generations("volta")
    # the flagship named in full is the generation's own column: 4,096 GPUs take 16 whole
    # SUs of 32 DGX H100 (no UFM slot), not the 17 SUs (4,344 GPUs: 16 SUs hold 4,088 with
    # the slot) the template's defaults would take, and three tiers of fabric with them
    assert parse_generations("hopper:dgx-h100-superpod") == [PLANS["hopper"]]
    (row,) = compare(gpus=4096, generations=parse_generations("hopper:dgx-h100-superpod"),
                     catalog=CAT)
    assert (row.param_value, row.gpus) == (16, 4096) and "no UFM slot" in row.block
    with pytest.raises(ParameterError, match="named twice"):
        parse_generations("hopper,hopper:dgx-h100-superpod")
    with pytest.raises(ParameterError, match="no scaling parameter"):
        parse_generations("generic:fat-tree")
    with pytest.raises(ParameterError, match="exactly one"):
        compare(catalog=CAT)
    with pytest.raises(ParameterError, match="exactly one"):
        compare(gpus=8, power_mw=1.0, catalog=CAT)
    with pytest.raises(ParameterError, match="--gpus"):
        compare(gpus=0, catalog=CAT)
    assert parse_hall("60x40") == (60.0, 40.0) and parse_hall(None) is None
    for bad in ("60", "0x10", "-5x5", "axb"):
        with pytest.raises(ParameterError, match="--hall"):
            parse_hall(bad)


def test_compare_dict_keys(by_gpus):
    d = compare_dict(by_gpus, gpus=2000)
    assert d["schema"] == COMPARE_SCHEMA and d["intent"] == {"gpus": 2000, "power_mw": None,
                                                             "hall_m": None}
    assert d["rule"] and all(set(r) == ROW_KEYS for r in d["rows"])
    json.dumps(d)


# -- CLI ------------------------------------------------------------------------------------

def test_cli_compare_json(capsys):
    code = cli_main(["compare", "--gpus", "512", "--generations", "hopper,amd-instinct",
                     "--hall", "80x60", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"schema", "intent", "rule", "rows"}
    assert d["intent"] == {"gpus": 512, "power_mw": None, "hall_m": [80.0, 60.0]}
    assert [r["generation"] for r in d["rows"]] == ["hopper", "amd-instinct"]
    assert all(set(r) == ROW_KEYS for r in d["rows"])


def test_cli_compare_table(capsys):
    assert cli_main(["compare", "--power-mw", "3", "--generations", "blackwell"]) == 0
    out = capsys.readouterr().out
    for label in ("racks", "hall area m2", "IT MW", "facility MW", "liquid share",
                  "GPUs per IT MW", "GPUs per facility MW", "switches", "cables", "optics",
                  "optics kW *", "bisection Tb/s",
                  "per-GPU Gb/s", "scale-up GPUs", "failing rules"):
        assert label in out


@pytest.mark.parametrize("argv,needle", [
    (["compare"], "exactly one"),
    (["compare", "--generations", "hopper"], "--hall alone"),
    (["compare", "--gpus", "8", "--power-mw", "1"], "exactly one"),
    (["compare", "--gpus", "8", "--generations", "pascal"], "pascal"),
    (["compare", "--gpus", "8", "--hall", "big"], "--hall"),
    (["compare", "--gpus", "eight"], "expected a whole number of GPUs"),
    # a column is headed by its generation: the template must build that one
    (["compare", "--gpus", "8", "--generations", "hopper:gb200-nvl72-superpod"],
     "builds blackwell, not 'hopper'"),
    (["compare", "--gpus", "8", "--generations", ":dgx-h100-superpod"], "unnamed generation"),
])
def test_cli_compare_bad_input_exits_2_with_one_line(capsys, argv, needle):
    try:
        code = cli_main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err


def test_a_user_template_of_a_builtin_id_does_not_replace_the_reference_design(
        tmp_path, monkeypatch):
    import json

    from engine.templates import USER_DIR_ENV, builtin_template_dir

    # a user's own "dgx-h100-superpod" without the scalable_units parameter
    spec = json.loads((builtin_template_dir() / "hopper" / "dgx-h100-hall.json").read_text())
    spec["id"] = "dgx-h100-superpod"
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "mine.json").write_text(json.dumps(spec))
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    rows = compare(gpus=1024, generations=["hopper"])
    assert rows[0].template == "dgx-h100-superpod" and rows[0].gpus >= 1000


def test_a_row_that_fails_keeps_the_table_narrow_and_says_why_below():
    from engine import compare as cmp

    rows = compare(gpus=576, generations=parse_generations("hopper,blackwell"), catalog=CAT)
    bad = rows[0].__class__(**{**rows[0].__dict__, "error": "template x: " + "y" * 300})
    text = cmp.format_table([bad, rows[1]])
    lines = text.splitlines()
    k = lines.index("hopper: template x: " + "y" * 300)  # the message, under the table
    assert max(len(line) for line in lines[:k]) < 120
    assert "error (see below)" in lines[0] + "\n".join(lines[:k])


def test_a_design_that_misses_the_hall_fails_the_comparison():
    # 12 SU of DGX H100 (3,072 GPUs) need more than a 30 x 20 m hall holds (10 SU fit):
    # the row fails COMPARE-HALL even though the layout's own rules pass
    row = compare(gpus=3072, hall=(30.0, 20.0), generations=["hopper"], catalog=CAT)[0]
    assert row.fits_hall is False
    assert "COMPARE-HALL" in row.failing_rules
    assert "the hall holds 10 scalable units" in row.hall_note


# -- the hall either way round ------------------------------------------------------------

def test_a_hall_alone_holds_the_same_either_way_round(rows_template):
    """Rows of 4 racks in a 7.1 x 13 m hall hold 5 blocks; turned, as 13 x 7.1 m, the hall
    once held 2 (one row of 8 racks): it is now turned back, and the note says so."""
    given = compare(hall=(7.1, 13.0), generations=[rows_template], catalog=CAT)[0]
    turned = compare(hall=(13.0, 7.1), generations=[rows_template], catalog=CAT)[0]
    assert (given.param_value, given.fits_hall, given.hall_note) == (5, True, "")
    assert (turned.param_value, turned.gpus, turned.fits_hall) == (5, 640, True)
    assert turned.hall_m == given.hall_m == (7.0, 12.6)
    assert not {"FLOOR-OUTSIDE", "COMPARE-HALL"} & set(turned.failing_rules)
    assert turned.hall_note == "the 13 x 7.1 m hall turned 90°, rows along its 7.1 m side"
    assert most_blocks(rows_template, (13.0, 7.1), CAT) == 5


def test_the_reference_designs_fill_a_long_hall_either_way_round():
    # the brief's case: a 12 x 60 m hall and a 60 x 12 m hall once gave different answers
    a, b = (compare(hall=h, generations=["hopper"], catalog=CAT)[0]
            for h in ((12.0, 60.0), (60.0, 12.0)))
    assert a.param_value == b.param_value == 11 and a.fits_hall and b.fits_hall
    assert a.hall_note == "" and b.hall_note == ("the 60 x 12 m hall turned 90°, "
                                                 "rows along its 12 m side")


def test_a_design_that_fits_only_turned_fits(rows_template):
    # 5 blocks fit 7.1 x 13 m as rows of 5; given 13 x 7.1 m they fit only turned
    row = compare(gpus=5 * 128, hall=(13.0, 7.1), generations=[rows_template],
                  catalog=CAT)[0]
    assert (row.param_value, row.fits_hall) == (5, True)
    assert not {"FLOOR-OUTSIDE", "COMPARE-HALL"} & set(row.failing_rules)
    assert row.hall_note == "the 13 x 7.1 m hall turned 90°, rows along its 7.1 m side"
    # one block more fits neither way: the note says how much the hall holds, turned
    more = compare(gpus=6 * 128, hall=(13.0, 7.1), generations=[rows_template],
                   catalog=CAT)[0]
    assert more.fits_hall is False and "COMPARE-HALL" in more.failing_rules
    assert more.hall_note.endswith("the hall holds 5 scalable units (640 GPUs)")
    assert "turned 90°" in more.hall_note


def test_the_rule_line_says_the_hall_may_be_turned(capsys):
    assert cli_main(["compare", "--hall", "60x12", "--generations", "hopper"]) == 0
    out = capsys.readouterr().out
    assert "turned 90° where that holds more" in out.splitlines()[0]
    assert "hopper: the 60 x 12 m hall turned 90°, rows along its 12 m side" in out


# -- what a row is built from ---------------------------------------------------------------

def test_the_block_line_names_the_settings_the_comparison_makes(by_gpus):
    """The block line names every setting the comparison makes, so "scalable_units=4" does
    not read as the template's default block: it is 4 SU with the UFM slot off (1,024 GPUs,
    not the RA's 1,016) on the default fabric plan."""
    hopper = by_gpus[0]
    assert hopper.params["ufm_port"] is False and hopper.params["fabric_plan"] == "table"
    assert hopper.block == "8 SU, no UFM slot; fabric_plan=table"
    assert "ufm_port off" in hopper.block_note and "1,016 GPUs at 4 SU" in hopper.block_note
    # a template compared at its defaults: the count alone, and no note
    blackwell = next(r for r in by_gpus if r.generation == "blackwell")
    assert (blackwell.block, blackwell.block_note) == ("4 SU", "")
    assert blackwell.params == {"scalable_units": 4, "racks_per_row": 8}
    # a row length chosen to fit the hall is a setting too
    fitted = compare(hall=(30.0, 20.0), generations=["hopper"], catalog=CAT)[0]
    assert fitted.block == "10 SU, no UFM slot; fabric_plan=table; racks_per_row=14"
    table = format_table([hopper, blackwell, fitted])
    lines = table.splitlines()
    block = next(k for k, line in enumerate(lines) if line.startswith("block "))
    assert lines[block].split()[1:] == ["8", "SU,", "no", "UFM", "slot", "4", "SU", "10", "SU,",
                                        "no", "UFM", "slot"]
    assert lines[block + 1].split() == ["fabric_plan=table", "fabric_plan=table"]
    assert lines[block + 2].split() == ["racks_per_row=14"]
    assert "hopper: ufm_port off, so each scalable unit is 32 whole DGX H100" in table


def test_gpus_per_mw_is_per_it_mw_and_per_facility_mw_beside_it():
    # 4 SU of DGX H100 with the UFM slot off: 1,024 GPUs; per MW of IT load and, at the
    # modelled PUE, per MW of what the facility draws (what --power-mw budgets)
    row = compare(gpus=1024, generations=["hopper"], catalog=CAT)[0]
    assert row.gpus == 1024
    assert row.gpus_per_mw == pytest.approx(1024 / row.it_mw, rel=1e-3)
    assert row.gpus_per_facility_mw == pytest.approx(1024 / row.facility_mw, rel=1e-3)
    assert row.gpus_per_facility_mw < row.gpus_per_mw
    table = format_table([row])
    assert "GPUs per IT MW" in table and "GPUs per facility MW" in table
    assert "GPUs per MW " not in table


def test_power_figures_that_are_secondary_estimates_or_the_top_of_a_range_are_marked(by_gpus):
    """Where compare takes the top of conflicting secondary figures for the newer
    generations (GB300 142 kW peak against 132-140 kW typical; Rubin 230 kW Max-P against
    190 kW), it says so."""
    figs = {r.generation: r.power_figures for r in by_gpus}
    assert figs["hopper"] == []  # DGX H100 10.2 kW: NVIDIA's figure [S01]
    gb300, = figs["blackwell-ultra"]
    assert (gb300["model"], gb300["power_kw"], gb300["class"], gb300["typical_kw"]) == \
        ("gb300-nvl72", 142.0, "secondary", 136.0)
    rubin, = figs["rubin"]
    assert (rubin["power_kw"], rubin["typical_kw"]) == (230.0, 190.0)
    gb200, = figs["blackwell"]
    assert (gb200["power_kw"], gb200["class"], gb200["typical_kw"]) == (132.0, "secondary", None)
    mi355, = figs["amd-instinct"]
    assert mi355["class"] == "estimate" and "method" in mi355["note"]
    table = format_table(by_gpus)
    head = table.splitlines()[0]
    assert "hopper †" not in head and "blackwell-ultra †" in head
    assert "rubin (prelim.) †" in head
    assert ("† blackwell-ultra: NVIDIA GB300 NVL72 at 142 kW, the top of the catalog's range "
            "(typical 136 kW [S85]), a secondary figure [S98]") in table
    assert "† amd-instinct: " in table and "an estimate [S38]" in table


def test_a_generation_asked_for_twice_is_told_apart_by_its_template():
    """Two Hopper templates side by side: the columns (and the notes) name each by its
    template, not both 'hopper'."""
    from engine.compare import compare, format_table, parse_generations

    rows = compare(gpus=1000, generations=parse_generations("hopper,hopper:dgx-h100-hall"))
    head = format_table(rows).splitlines()[0].split()
    assert head == ["hopper", "(dgx-h100-superpod)", "hopper", "(dgx-h100-hall)"]


def test_a_design_of_unknown_power_compares_as_bounds_and_no_gpu_fabric_as_none():
    """A CPU cluster's SN4600C switches and 100G optics have no power figure (the analysis
    counts 0 W for them): its IT and facility MW are lower bounds (≥), its optics kW too,
    and with no GPU scale-out fabric the bisection is null, not a 0 that reads as
    measured; a DGX H100 SuperPOD beside it has every figure."""
    rows = compare(power_mw=2.0, generations=parse_generations("cpu:cpu-cluster,hopper"),
                   catalog=CAT)
    cpu, hopper = rows
    assert cpu.gpus == 0 and " switches and " in cpu.unknown_power
    assert "sn4600c" in cpu.unknown_power and cpu.optics_is_lower_bound
    assert cpu.bisection_tbps is None and cpu.per_gpu_bisection_gbps is None
    assert (hopper.unknown_power, hopper.optics_is_lower_bound) == ("", False)
    # 3 SUs of 256 GPUs: 384 GPUs a side x 400 Gb/s
    assert (hopper.gpus, hopper.bisection_tbps) == (768, pytest.approx(153.6))
    lines = {ln[:22].strip(): ln[22:].split() for ln in format_table(rows).splitlines()}
    assert lines["IT MW"][:2] == ["≥", f"{cpu.it_mw:.2f}"]
    assert lines["optics kW *"][:2] == ["≥", f"{cpu.optics_kw:,.1f}"]
    assert lines["bisection Tb/s"] == ["-", "153.6"]
    assert lines["GPUs per IT MW"][0] == "0"  # no GPUs: no bound to mark
    note = next(ln for ln in format_table(rows).splitlines() if ln.startswith("cpu: the power"))
    assert "of unknown power" in note and "counted as 0 W" in note
    d = compare_dict(rows, None, 2.0)["rows"][0]
    assert d["bisection_tbps"] is None and d["unknown_power"] == cpu.unknown_power
