"""Other malformed inputs found next to the known ones: each gets one line that says what
was given (exit 2)."""

from __future__ import annotations

import pytest

from designer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("text,message", [
    ("[]", "(top level): expected a JSON object (got a list of 0 items)"),  # once "(got list)"
    ('{"schema_version": 1e400}', "schema_version: expected an integer from 1 to 3 (got inf)"),
    ('{"schema_version": 3.0}', "schema_version: expected an integer from 1 to 3 (got 3.0)"),
    ('{"schema_version": "3"}', "schema_version: expected an integer from 1 to 3, without quotes (got '3')"),
    ('{"schema_version": ' + "9" * 44 + "}",
     "schema_version: expected version 3 or older (file is version 999999999999... "
     "(44 digits), written by a newer Rackscape)"),
])
def test_a_layout_file_of_no_known_version_or_shape_says_what_it_has(tmp_path, capsys, text,
                                                                     message):
    path = tmp_path / "hall.json"
    path.write_text(text)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == "" and err == f"rackscape: {path}: {message}\n"


def test_a_set_with_no_parameter_name_is_refused_as_such(tmp_path, capsys):
    # once "unknown parameter '' for template cpu-cluster"
    code, out, err = run(capsys, "new", "cpu-cluster", "--set", "=5", "-o",
                         str(tmp_path / "x.json"))
    assert code == 2 and err == ("rackscape: --set =5: expected KEY=VALUE with a parameter "
                                 "name before the =\n")


@pytest.mark.parametrize("generations,message", [
    ("hopper,hopper", "--generations: expected each design once ('hopper' is named twice)"),
    ("hopper:../x", "--generations: unknown template '../x'"),
])
def test_compare_names_generations_given_twice_or_unknown_templates(capsys, generations,
                                                                    message):
    code, out, err = run(capsys, "compare", "--hall", "20x15", "--generations", generations)
    assert code == 2 and out == "" and err.startswith(f"rackscape: {message}")
    assert len(err.strip().splitlines()) == 1


def test_a_comparison_given_as_a_layout_says_what_it_is(tmp_path, capsys):
    import json

    from engine.compare import COMPARE_SCHEMA

    cmp = tmp_path / "cmp.json"
    cmp.write_text(json.dumps({"schema": COMPARE_SCHEMA, "rows": []}))
    assert main(["analyze", str(cmp)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this is a comparison written by `rackscape compare " \
        "--json`" in err
