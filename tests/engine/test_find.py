"""engine.find: queries over a layout's items."""

from __future__ import annotations

import pytest

from engine.find import QueryError, find_items
from engine.templates import instantiate


@pytest.fixture(scope="module")
def hall():
    # 16 racks of 4 DGX H100 in rows of 8 (R01, R02), a network rack in row R03
    return instantiate("dgx-h100-hall", {"racks": 16})


def test_exact_id_finds_that_item_alone(hall):
    assert find_items(hall, "GPU-0001").ids == ("GPU-0001",)
    assert find_items(hall, "gpu-0001").ids == ("GPU-0001",)
    # a part of an id finds every id holding it
    assert find_items(hall, "GPU-001").ids == tuple(f"GPU-{i:04d}" for i in range(10, 17))


def test_rows_by_name_and_number(hall):
    r1 = tuple(r.id for r in hall.racks if r.row == "R01")
    assert len(r1) == 8
    assert find_items(hall, "row:R01").ids == r1
    assert find_items(hall, "row:1").ids == r1
    assert find_items(hall, "row:01").ids == r1


def test_hardware_held_and_placed_by_a_fabric(hall):
    # the DGX H100 are mounted devices; the QM9700 leaves and spines are the fabric's
    assert find_items(hall, "type:dgx-h100").counts == {"racks": 16}
    assert find_items(hall, "NVIDIA DGX H100").counts == {"racks": 16}
    net = tuple(r for f in hall.fabrics for r in f.network_racks)
    assert find_items(hall, "qm9700").ids == net
    assert find_items(hall, "fabric:compute").counts == {"racks": 16 + len(net)}


def test_every_word_must_match(hall):
    both = find_items(hall, "row:R02 dgx")
    assert both.ids == tuple(r.id for r in hall.racks if r.row == "R02")
    assert find_items(hall, "row:R02 qm9700").ids == ()


def test_kinds_and_groups(hall):
    crahs = [u.id for u in hall.cooling if u.kind == "crah"]
    assert find_items(hall, "kind:crah").ids == tuple(crahs)
    busways = find_items(hall, "kind:busway")
    assert busways.counts == {"feeds": len(hall.feeds)}
    assert busways.describe() == f"{len(hall.feeds)} feeds"
    assert find_items(hall, "kind:tray").counts == {"trays": len(hall.trays)}


def test_racks_by_what_they_hold(hall):
    # the network rack holds the fabric's QM9700 switches; the others DGX H100 servers
    net = tuple(r for f in hall.fabrics for r in f.network_racks)
    assert find_items(hall, "kind:switch").ids == net
    assert find_items(hall, "kind:network").ids == net
    assert find_items(hall, "kind:gpu_server").counts == {"racks": 16}
    assert find_items(hall, "kind:rack").counts == {"racks": 16 + len(net)}
    assert find_items(hall, "kind:rack_system").ids == ()  # a known kind, none here
    with pytest.raises(QueryError, match="'kind:switches': unknown kind .*switch, "):
        find_items(hall, "kind:switches")


def test_nothing_and_empty(hall):
    assert find_items(hall, "no-such-thing").ids == ()
    assert find_items(hall, "no-such-thing").describe() == "nothing"
    assert find_items(hall, "   ").ids == ()


@pytest.mark.parametrize("query", ["colour:red", "row:", "rack:x"])
def test_unreadable_queries_say_what_is_expected(hall, query):
    with pytest.raises(QueryError, match=query.split(":")[0]):
        find_items(hall, query)


def test_times_and_ratios_are_plain_words(hall):
    # a colon inside a word that starts with a digit is not a field ("1:2")
    assert find_items(hall, "1:2").ids == ()


def test_an_id_holding_a_colon_is_found(hall):
    from engine.model import Rack

    lay = hall.model_copy(update={"racks": [*hall.racks, Rack(
        id="hall:A1", type="rack-800x1200", x_m=1.0, y_m=1.0)]})
    assert find_items(lay, "hall:A1").ids == ("hall:A1",)
    assert find_items(lay, "hall:a").ids == ("hall:A1",)
