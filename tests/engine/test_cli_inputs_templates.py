"""``rackscape new`` and ``rackscape templates``: a parameter just out of range shows the
value as typed, so it reads as different from the bound it breaks."""

from __future__ import annotations

import json

import pytest

from designer.cli import main
from engine.templates import ParameterError, instantiate


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("value,got", [
    ("8.0000001", "got 8.0000001"),      # once "got 8", the bound itself
    ("0.9999999", "got 0.9999999"),      # once "got 1"
    ("8.5e0", "got 8.5e0"),              # as typed
    ("1e400", "got 1e400"),              # past a float: out of range, not "no number"
    ("9" * 500, "got 99999999999999999999... (a number of 500 characters)"),
])
def test_a_value_a_hair_out_of_range_is_shown_as_given(tmp_path, capsys, value, got):
    out = tmp_path / "x.json"
    code, _, err = run(capsys, "new", "cpu-cluster", "--set", f"leaf_oversubscription={value}",
                       "-o", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1 and not out.exists()
    assert "template cpu-cluster: parameter leaf_oversubscription: expected a value from 1 to 8, " \
        + got in err


def test_an_integer_out_of_range_shows_every_digit(tmp_path, capsys):
    code, _, err = run(capsys, "new", "cpu-cluster", "--set", "racks=99999999999999999999999",
                       "-o", str(tmp_path / "x.json"))
    assert code == 2 and err.rstrip().endswith("got 99999999999999999999999")  # not 1e+23


def test_a_float_given_through_the_api_keeps_its_digits():
    with pytest.raises(ParameterError, match=r"from 1 to 8, got 8\.0000001$"):
        instantiate("cpu-cluster", {"leaf_oversubscription": 8.0000001})
    with pytest.raises(ParameterError, match=r"racks: expected a value from 1 to \d+, got 1e\+30$"):
        instantiate("cpu-cluster", {"racks": 1e30})


def _user_template(folder, parameter: dict) -> None:
    (folder / "templates").mkdir(exist_ok=True)
    data = {"schema": "rackscape.template/1", "id": "one-sided", "title": "One-sided range",
            "generation": "hopper", "parameters": [parameter],
            "racks": [{"name": "a", "count": "n", "rack_type": "rack-800x1200",
                       "devices": [{"type": "dgx-h100", "count": 2, "u": 3, "pitch_u": 9}]}],
            "cooling": {"liquid_unit": None}}
    (folder / "templates" / "one-sided.json").write_text(json.dumps(data))


def test_templates_lists_a_range_open_at_one_end_and_a_bound_with_all_its_digits(
        tmp_path, monkeypatch, capsys):
    # a parameter with a max and no min once ended `rackscape templates` in a TypeError
    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    _user_template(tmp_path, {"name": "n", "type": "int", "default": 2, "max": 8})
    code, out, err = run(capsys, "templates", "--generation", "hopper")
    assert code == 0 and "n (int, default 2, ..8)" in out
    _user_template(tmp_path, {"name": "n", "type": "float", "default": 2,
                              "min": 1.5, "max": 8.0000001})
    code, out, err = run(capsys, "templates", "--generation", "hopper")
    assert code == 0 and "n (float, default 2, 1.5..8.0000001)" in out


@pytest.mark.parametrize("bound,needle", [
    # once listed as "1..inf" and written to `templates --json` as Infinity (not JSON)
    ("1e400", "parameters[0].max: expected a finite number (got inf)"),
    ("Infinity", "expected valid JSON numbers (Infinity is not a number)"),
])
def test_a_user_template_with_an_infinite_bound_is_skipped_and_named(tmp_path, monkeypatch,
                                                                     capsys, bound, needle):
    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    _user_template(tmp_path, {"name": "n", "type": "int", "default": 2, "min": 1, "max": 8})
    path = tmp_path / "templates" / "one-sided.json"
    path.write_text(path.read_text().replace('"max": 8', f'"max": {bound}'))
    code, out, err = run(capsys, "templates", "--json")
    assert code == 0 and "one-sided" not in out and "Infinity" not in out
    assert f"skipped: {path}: {needle}" in err


def test_a_default_out_of_its_own_range_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    _user_template(tmp_path, {"name": "n", "type": "int", "default": 8.5, "min": 1, "max": 8})
    code, out, err = run(capsys, "templates")
    # once "expected default: parameter n: expected ..."
    assert "parameters[0]: expected a default the parameter takes (parameter n: expected an " \
           "integer from 1 to 8, got 8.5)" in err


@pytest.mark.parametrize("value,got", [("", "got ''"), ("abc", "got 'abc'")])
def test_a_value_that_is_no_number_is_quoted_even_when_empty(tmp_path, capsys, value, got):
    """`--set k=` said "got " and nothing after it."""
    code, _, err = run(capsys, "new", "fat-tree", "--set", f"k={value}",
                       "-o", str(tmp_path / "x.json"))
    assert code == 2 and err.rstrip().endswith(f"expected an integer from 4 to 64, {got}")


def test_a_user_template_in_place_of_a_built_in_one_is_said(tmp_path, monkeypatch, capsys):
    # a user library file with the built-in id fat-tree: it is the one `new fat-tree`
    # builds (user ids come first), and both commands say so instead of doing it silently
    from engine.templates import builtin_template_dir

    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    data = json.loads((builtin_template_dir() / "hopper" / "dgx-h100-hall.json").read_text())
    data.update(id="fat-tree", title="My fat tree")
    mine = tmp_path / "templates" / "hopper" / "fat-tree.json"
    mine.parent.mkdir(parents=True)
    mine.write_text(json.dumps(data))
    code, out, err = run(capsys, "templates")
    assert code == 0
    assert "fat-tree  [hopper]  My fat tree  (v1.0)  [user library, in place of the built-in]" \
        in out
    assert f"note: template fat-tree is the user library's {mine}, in place of the built-in " \
           "one" in err
    code, out, err = run(capsys, "new", "fat-tree", "-o", str(tmp_path / "x.json"))
    assert code == 0 and "My fat tree (racks=16" in (tmp_path / "x.json").read_text()
    assert f"note: template fat-tree is the user library's {mine}" in err


def test_a_design_past_the_published_table_is_made_with_a_note(tmp_path, capsys):
    # the dc-busbar edition of the DGX B300 SuperPOD RA publishes its table to 16 SU [S40];
    # 17 SU is laid out (the same sizing rules) and `new` says it left the table
    out = tmp_path / "b300.json"
    code, stdout, err = run(capsys, "new", "dgx-b300-superpod", "--set", "edition=dc-busbar",
                            "--set", "scalable_units=17", "-o", str(out))
    assert code == 0 and out.exists() and stdout.startswith(f"wrote {out}")
    assert err.splitlines() == [
        "rackscape: note: template dgx-b300-superpod: 17 SU is beyond the 16 SU of the "
        "dc-busbar edition’s published table [S40]: its fabric is sized by the same rules, "
        "not taken from a published design"]
    # within the table (and the other edition, published to 18 SU) nothing is said
    for edition, su in (("dc-busbar", 16), ("ac-xdr", 18)):
        code, _, err = run(capsys, "new", "dgx-b300-superpod", "--set", f"edition={edition}",
                           "--set", f"scalable_units={su}", "-o", str(tmp_path / f"{su}.json"))
        assert code == 0 and err == ""


def test_a_caution_that_cannot_be_evaluated_is_one_line(tmp_path, monkeypatch, capsys):
    from engine.templates import builtin_template_dir

    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    data = json.loads((builtin_template_dir() / "hopper" / "dgx-h100-hall.json").read_text())
    data.update(id="my-hall", cautions=[{"when": "racks > no_such_name", "message": "big"}])
    mine = tmp_path / "templates" / "hopper" / "my-hall.json"
    mine.parent.mkdir(parents=True)
    mine.write_text(json.dumps(data))
    code, _, err = run(capsys, "new", "my-hall", "-o", str(tmp_path / "x.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and not (tmp_path / "x.json").exists()
    assert "template my-hall: caution 'racks > no_such_name'" in err
