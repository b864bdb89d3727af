"""``rackscape compare`` refuses impossible intents in one line that names the limit and
what was given (exit 2, no traceback)."""

from __future__ import annotations

import pytest

from designer.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("hall,given", [
    ("1e9x1e9", "got 1e9 x 1e9 m"),
    ("100001x10", "got 100001 x 10 m"),
    ("10x100000.5", "got 10 x 100000.5 m"),
    ("1e400x5", "got 1e400 x 5 m"),
])
def test_a_hall_side_over_the_limit_names_the_limit_and_the_hall_given(capsys, hall, given):
    code, err = run(capsys, "compare", "--hall", hall)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--hall: expected each side at most 100,000 m" in err and given in err


def test_a_hall_side_of_zero_says_sides_are_above_0(capsys):
    code, err = run(capsys, "compare", "--hall", "0x10")
    assert code == 2 and "expected each side above 0 m, got 0 x 10 m" in err


@pytest.mark.parametrize("power,given", [
    ("1e300", "got 1e+300"), ("inf", "got inf"), ("nan", "got nan"), ("0", "got 0.0"),
    ("-5", "got -5.0"), ("10000.000001", "got 10000.000001"),
])
def test_an_impossible_power_envelope_names_the_range(capsys, power, given):
    code, err = run(capsys, "compare", "--power-mw", power)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--power-mw: expected a facility power above 0 and at most 10,000 MW" in err
    assert err.rstrip().endswith(given)


@pytest.mark.parametrize("argv,needle", [
    (["--power-mw", "lots"], "expected a power in MW such as 20, got 'lots'"),
    (["--gpus", "1e9"], "expected a whole number of GPUs such as 4096, got '1e9'"),
    (["--gpus", "0"], "from 1 to 100,000,000, got 0"),
    # more digits than a float holds: once a traceback (int too large to convert to float)
    (["--gpus", "9" * 400], "from 1 to 100,000,000, got a number of 400 digits"),
])
def test_gpu_and_power_values_that_are_no_number_or_too_large(capsys, argv, needle):
    code, err = run(capsys, "compare", *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err
    assert "Traceback" not in err


def test_a_value_that_starts_with_a_minus_gets_its_own_options_message(capsys):
    from designer.cli import main

    assert main(["compare", "--gpus", "1000", "--hall", "-3x10"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "rackscape: --hall: expected each side above 0 m, got -3 x 10 m"
    assert main(["compare", "--gpus", "-5"]) == 2
    assert "--gpus: expected a whole number of GPUs" in capsys.readouterr().err


def test_the_table_says_yes_or_no_for_fits_hall():
    from engine.compare import CompareRow, format_table

    rows = [CompareRow("hopper", "dgx-h100-superpod", "scalable_units", 1, gpus=256,
                       fits_hall=False),
            CompareRow("blackwell", "dgx-b200-superpod", "scalable_units", 1, gpus=256,
                       fits_hall=True)]
    line = next(x for x in format_table(rows).splitlines() if x.startswith("fits hall"))
    assert line.split()[2:] == ["no", "yes"]
