"""The comparison's search lays out few row lengths and stops when asked: the least floor
of a row length (found without laying it out) never exceeds its laid-out hall, the pruned
search gives the rows a full search gives, and ``should_stop`` ends a comparison at its
next probe."""

from __future__ import annotations

import pytest

from engine import compare as cmp
from engine.catalog import load_catalog
from engine.compare import (
    PLANS,
    CompareCancelled,
    compare,
    compare_dict,
    most_blocks,
)
from engine.templates import ParameterError, instantiate

CAT = load_catalog(user_dir=None)

# ``rows_template``: tests/engine/conftest.py (4 DGX racks per block, no cooling units)


def _full_search(monkeypatch) -> None:
    """Make the search lay out every row length it considers, as it did before floors."""
    monkeypatch.setattr(cmp, "_least_floor", lambda t, params, catalog: (0.0, 0.0))


# -- least floors ---------------------------------------------------------------------------

@pytest.mark.parametrize("generation", list(PLANS))
def test_a_least_floor_never_exceeds_the_laid_out_hall(generation):
    """Air only (hopper), liquid with CDU lines (blackwell), rear doors (rubin, AMD): the
    floor found without laying out is within the laid-out hall, and close to it."""
    plan = PLANS[generation]
    t, lo, _ = cmp._template(plan)
    lengths = cmp._row_lengths(t)
    for n, k in ((lo, lengths.start), (lo + 1, lengths.stop - 1), (3, 9), (5, 14)):
        params = {**plan.fixed, plan.param: n, "racks_per_row": k}
        least_w, least_d = cmp._least_floor(t, params, CAT)
        w, d = cmp._bounds(instantiate(t, params, catalog=CAT))
        assert 0 < least_w <= w and 0 < least_d <= d, (generation, n, k)
        # close enough to rule row lengths out. The least floor stands the CRAHs one
        # column deep; the sizing passes may deepen a gallery to three columns where the
        # walls by the heat are full (5 SU of DGX H100 in rows of 14: 5 units a side in
        # columns 1.8 m apart, 1.2 m deep with a 0.6 m gap): at most two columns more on
        # each side, 4 x 1.8 = 7.2 m
        assert w - least_w <= 4 * 1.8 + 0.05 and d - least_d < 3.0, (generation, n, k, w, d)


def test_a_least_floor_is_the_hall_of_a_template_without_cooling(rows_template):
    t, _, _ = cmp._template(rows_template)
    for n, k in ((1, 4), (5, 5), (6, 8), (7, 3)):
        params = {"scalable_units": n, "racks_per_row": k}
        w, d = cmp._bounds(instantiate(t, params, catalog=CAT))
        assert cmp._least_floor(t, params, CAT) == pytest.approx((w, d), abs=0.011)


def test_a_template_the_floor_cannot_read_is_laid_out_in_full(rows_template):
    t, _, _ = cmp._template(rows_template)
    # a row length out of the template's range: no floor, the full layout says why
    assert cmp._least_floor(t, {"scalable_units": 1, "racks_per_row": 99}, CAT) == (0.0, 0.0)
    with pytest.raises(ParameterError):
        instantiate(t, {"scalable_units": 1, "racks_per_row": 99}, catalog=CAT)


# -- same answers --------------------------------------------------------------------------

def test_the_most_blocks_and_row_lengths_are_those_of_a_brute_force(rows_template):
    """Every count and row length laid out: the most blocks that fit the hall either way
    round, and for a count the row length of the smallest hall that fits (else the least
    overflow), shorter rows first on a tie."""
    t, _, _ = cmp._template(rows_template)
    laid = {(n, k): cmp._bounds(instantiate(t, {"scalable_units": n, "racks_per_row": k},
                                            catalog=CAT))
            for n in range(1, 13) for k in range(2, 9)}
    for hall in ((7.1, 13.0), (13.0, 7.1), (10.0, 10.0), (6.2, 5.4), (4.0, 4.0)):
        turned = (hall[1], hall[0])
        fitting = [n for (n, k), size in laid.items()
                   if cmp._size_within(size, hall) or cmp._size_within(size, turned)]
        assert most_blocks(rows_template, hall, CAT) == max(fitting, default=0), hall
        for n in (1, 3, 6, 12):
            best = min(range(2, 9), key=lambda k, n=n: (cmp._hall_key(laid[n, k], hall), k))
            lay = cmp._make(t, rows_template, n, hall, CAT)
            assert cmp._bounds(lay) == laid[n, best], (hall, n)


@pytest.mark.parametrize("intent", [
    {"hall": (7.1, 13.0)},
    {"hall": (13.0, 7.1)},
    {"hall": (4.0, 4.0)},
    {"gpus": 1000, "hall": (7.1, 13.0)},
    {"gpus": 300, "hall": (9.0, 6.0)},
    {"power_mw": 2.0, "hall": (7.1, 13.0)},
    {"power_mw": 50.0, "hall": (20.0, 8.0)},
], ids=str)
def test_the_rows_are_those_of_the_full_search(rows_template, monkeypatch, intent):
    """The same rows, to the last figure and note, as when every row length the search
    considers is laid out; with fewer layouts."""
    tried: list[int] = []
    fast = compare(generations=[rows_template], catalog=CAT,
                   progress=lambda gen, n: tried.append(n), **intent)
    _full_search(monkeypatch)
    tried_full: list[int] = []
    full = compare(generations=[rows_template], catalog=CAT,
                   progress=lambda gen, n: tried_full.append(n), **intent)
    assert compare_dict(fast, **intent) == compare_dict(full, **intent)
    assert len(tried) <= len(tried_full)


def test_a_reference_design_in_a_hall_gives_the_rows_of_the_full_search(monkeypatch):
    """Blackwell (liquid and air) in a hall it overflows: the row, the hall it holds and
    the number of layouts."""
    intent = {"gpus": 1152, "hall": (16.0, 11.0)}
    probes: list[int] = []
    fast = compare(generations=["blackwell"], catalog=CAT,
                   progress=lambda gen, n: probes.append(n), **intent)
    _full_search(monkeypatch)
    probes_full: list[int] = []
    full = compare(generations=["blackwell"], catalog=CAT,
                   progress=lambda gen, n: probes_full.append(n), **intent)
    assert compare_dict(fast, **intent) == compare_dict(full, **intent)
    assert "the hall holds" in fast[0].hall_note
    assert len(probes) < len(probes_full) / 2


# -- cancellation ---------------------------------------------------------------------------

def test_should_stop_stops_after_the_first_probe():
    probes: list[tuple[str, int]] = []
    with pytest.raises(CompareCancelled):
        compare(hall=(30.0, 20.0), generations=["hopper", "blackwell"], catalog=CAT,
                should_stop=lambda: len(probes) >= 1,
                progress=lambda gen, n: probes.append((gen, n)))
    assert probes == [("hopper", 1)]


def test_should_stop_is_asked_before_every_probe_and_stops_at_the_next(rows_template):
    asked: list[int] = []
    probes: list[int] = []

    def should_stop() -> bool:
        asked.append(len(probes))
        return len(probes) >= 3

    with pytest.raises(CompareCancelled):
        compare(hall=(7.1, 13.0), generations=[rows_template], catalog=CAT,
                should_stop=should_stop, progress=lambda gen, n: probes.append(n))
    assert probes == [1, 2, 3]
    assert asked == [0, 1, 2, 3]


def test_a_should_stop_that_never_stops_changes_nothing(rows_template):
    probes: list[int] = []
    rows = compare(gpus=1000, hall=(7.1, 13.0), generations=[rows_template], catalog=CAT,
                   should_stop=lambda: False, progress=lambda gen, n: probes.append(n))
    plain = compare(gpus=1000, hall=(7.1, 13.0), generations=[rows_template], catalog=CAT)
    assert [r.to_dict() for r in rows] == [r.to_dict() for r in plain]
    assert probes == list(range(1, len(probes) + 1)) and len(probes) >= 2


def test_a_cancelled_comparison_is_not_a_row_error():
    """Cancelling is not a generation that failed: no row comes back with an error."""
    with pytest.raises(CompareCancelled):
        compare(gpus=1024, generations=["hopper"], catalog=CAT, should_stop=lambda: True)
    assert not issubclass(CompareCancelled, (ParameterError, ValueError))
