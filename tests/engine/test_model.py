"""The layout model: validation, ids, rotations, feed ratings and defaults."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from engine.model import (
    SCHEMA_VERSION,
    Assumptions,
    CoolingUnit,
    Hall,
    Layout,
    MountedDevice,
    PowerFeed,
    Rack,
)

SQUARE = [(0, 0), (10, 0), (10, 8), (0, 8)]


def test_new_layout_has_current_schema_and_defaults():
    lay = Layout(hall=Hall(outline=SQUARE))
    assert lay.schema_version == SCHEMA_VERSION == 3
    assert lay.racks == [] and lay.cooling == [] and lay.feeds == [] and lay.fabrics == []
    assert lay.hall.floor_rating_kg_m2 == 1200.0
    assert lay.hall.bounds() == (0, 0, 10, 8)


def test_assumption_defaults_match_their_sources():
    a = Assumptions()
    assert a.delta_t_air_k == 11.7  # 150 CFM/kW profiles, about 21 F [S40]
    assert a.delta_t_coolant_k == 10.0  # OCP OAI [S61]
    assert a.continuous_derating == 0.8  # NEC 210.20(A) [S65]
    assert a.air_limit_kw_per_rack == 30.0  # [S59a]
    assert a.aisle_clearance_m == 1.2  # two 600 mm tiles, TIA-942 [S112]
    assert a.pue is None


@pytest.mark.parametrize(("given", "stored"), [(0, 0), (90, 90), (450, 90), (-90, 270),
                                               (180.0, 180), (720, 0)])
def test_rotation_is_normalised_to_quarter_turns(given, stored):
    assert Rack(id="R", type="t", x_m=0, y_m=0, rotation_deg=given).rotation_deg == stored


@pytest.mark.parametrize("bad", [45, 91.5, True, "90", float("nan")])
def test_rotation_off_quarter_turns_is_refused(bad):
    with pytest.raises(ValidationError):
        Rack(id="R", type="t", x_m=0, y_m=0, rotation_deg=bad)


def test_rack_holds_system_or_devices_not_both():
    with pytest.raises(ValidationError, match="either a rack-scale system or devices"):
        Rack(id="R", type="nvl72-rack", x_m=0, y_m=0, system="gb200-nvl72",
             devices=[MountedDevice(type="dgx-h100", u=1)])


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e6, -2e5])
def test_coordinates_must_be_finite_and_in_range(value):
    with pytest.raises(ValidationError):
        Rack(id="R", type="t", x_m=value, y_m=0)


@pytest.mark.parametrize("bad_id", ["", "has space", "semi;colon", "x" * 81, "é"])
def test_identifiers_are_restricted(bad_id):
    with pytest.raises(ValidationError):
        Rack(id=bad_id, type="t", x_m=0, y_m=0)


def test_unknown_keys_are_refused():
    with pytest.raises(ValidationError, match="Extra inputs"):
        Layout.model_validate({"hall": {"outline": SQUARE}, "colour": "red"})


def test_ids_are_unique_across_all_item_kinds():
    with pytest.raises(ValidationError, match="duplicate id 'X1'"):
        Layout(hall=Hall(outline=SQUARE), racks=[Rack(id="X1", type="t", x_m=1, y_m=1)],
               cooling=[CoolingUnit(id="X1", kind="crah", x_m=5, y_m=5, capacity_kw=100)])


def test_lookup_helpers():
    rack = Rack(id="R1", type="t", x_m=1, y_m=1)
    feed = PowerFeed(id="F1")
    lay = Layout(hall=Hall(outline=SQUARE), racks=[rack], feeds=[feed])
    assert lay.rack("R1") is rack
    assert lay.find("F1") is feed
    assert lay.find("nope") is None
    assert lay.all_ids() == {"R1", "F1"}
    with pytest.raises(KeyError):
        lay.rack("F1")


def test_three_phase_feed_rating():
    # kVA = sqrt(3) x V(L-L) x A: 415 V 60 A = 43.1 kVA nameplate (reference sheet; [S41])
    feed = PowerFeed(id="P", voltage_v=415, amps=60, phases=3)
    assert feed.rating_kw == pytest.approx(math.sqrt(3) * 415 * 60 / 1000)
    assert round(feed.rating_kw, 1) == 43.1


def test_single_phase_feed_and_power_factor():
    assert PowerFeed(id="P", voltage_v=230, amps=32, phases=1).rating_kw == pytest.approx(7.36)
    pf = PowerFeed(id="P", voltage_v=230, amps=32, phases=1, power_factor=0.9)
    assert pf.rating_kw == pytest.approx(7.36 * 0.9)


@pytest.mark.parametrize("field", ["voltage_v", "amps"])
def test_feed_values_must_be_positive(field):
    with pytest.raises(ValidationError):
        PowerFeed(id="P", **{field: 0})


def test_mounted_device_u_range():
    with pytest.raises(ValidationError):
        MountedDevice(type="dgx-h100", u=0)
    with pytest.raises(ValidationError):
        MountedDevice(type="dgx-h100", u=61)


def test_only_leaves_sit_in_their_members_racks():
    from engine.model import FabricTier

    assert FabricTier(name="leaf", switch="qm9700", placement="member_racks")
    with pytest.raises(ValidationError, match="spine tier"):
        FabricTier(name="spine", switch="qm9700", placement="member_racks")


def test_links_per_pair_belongs_to_the_spine_tier():
    from engine.model import FabricTier

    assert FabricTier(name="spine", switch="qm9700", links_per_pair=3).links_per_pair == 3
    with pytest.raises(ValidationError, match="no links_per_pair on a leaf tier"):
        FabricTier(name="leaf", switch="qm9700", links_per_pair=3)
