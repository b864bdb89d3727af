"""The hardware catalog: provenance of every figure, coverage, user files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.catalog import (
    USER_DIR_ENV,
    Catalog,
    Figure,
    builtin_catalog_dir,
    load_catalog,
    user_catalog_dir,
)


def _figures(obj, path):
    """Yield ``(path, Figure)`` for every figure inside a catalog entry."""
    if isinstance(obj, Figure):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _figures(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _figures(item, f"{path}[{i}]")


def _all_figures(cat: Catalog):
    for group in ("devices", "racks", "facility", "media"):
        for key, entry in getattr(cat, group).items():
            yield from _figures(entry, f"{group}.{key}")


def test_catalog_has_figures_to_check(catalog):
    figures = [f for _, f in _all_figures(catalog) if f.value is not None]
    assert len(figures) > 150  # the guard against this file passing vacuously
    assert len(catalog.sources) > 50


def test_every_figure_with_a_value_has_a_class_and_a_known_source(catalog):
    problems = []
    for path, f in _all_figures(catalog):
        if f.value is None:
            continue
        if f.cls is None:
            problems.append(f"{path}: no class")
        if f.source is not None and f.source not in catalog.sources:
            problems.append(f"{path}: source {f.source} not in sources.json")
        if f.cls in ("vendor", "transcribed", "secondary") and f.source is None:
            problems.append(f"{path}: a {f.cls} figure needs a source key")
        if f.cls in ("derived", "estimate") and f.source is None and not f.note:
            problems.append(f"{path}: a {f.cls} figure needs its method in the note")
    assert problems == []


def test_sources_file_keys_are_the_cited_keys(catalog):
    raw = json.loads((builtin_catalog_dir() / "sources.json").read_text())
    keys = [s["key"] for s in raw["sources"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(catalog.sources)
    assert catalog.sources["S01"].cls == "V"  # NVIDIA DGX H100 user guide


def test_dgx_h100_figures_are_the_published_ones(catalog):
    dgx = catalog.device("dgx-h100")
    # [S01]: 10.2 kW max, 1,105 CFM at 80 % fan PWM, 130.45 kg, 8U, 8 GPUs
    assert (dgx.power_max_w.value, dgx.power_max_w.source, dgx.power_max_w.cls) == \
        (10200.0, "S01", "vendor")
    assert dgx.airflow_cfm.value == 1105.0 and dgx.airflow_cfm.source == "S01"
    assert dgx.weight_kg.value == 130.45
    assert (dgx.u_height, dgx.gpus, dgx.role) == (8, 8, "gpu_server")
    assert dgx.port_count("scale_out") == 8 and dgx.port_speed_gbps("scale_out") == 400


def test_not_found_figures_stay_empty(catalog):
    # the reference sheet has no typical power for DGX H100 and no OEM HGX airflow
    assert catalog.device("dgx-h100").power_typical_w.value is None
    assert catalog.device("hgx-h100-8gpu").airflow_cfm.value is None


REQUIRED_DEVICES = [
    "dgx-h100", "dgx-h200", "hgx-h100-8gpu", "hgx-h200-8gpu", "gh200-node",
    "dgx-b200", "hgx-b200-8gpu", "gb200-nvl72", "dgx-b300", "gb300-nvl72", "vera-rubin-nvl144",
    "mi300x-8gpu", "mi325x-8gpu", "mi355x-8gpu",
    "grace-superchip-node", "qm9700", "q3400-ra", "sn5600", "sn4600c", "sn2201",
    "tomahawk5-64x800", "connectx-7",
]


@pytest.mark.parametrize("device_id", REQUIRED_DEVICES)
def test_issue_device_list_is_covered(catalog, device_id):
    assert device_id in catalog.devices


def test_rack_scale_systems_and_preliminary_marks(catalog):
    for sid in ("gb200-nvl72", "gb300-nvl72", "vera-rubin-nvl144"):
        d = catalog.device(sid)
        assert d.is_rack_scale and d.role == "rack_system"
        assert d.rack_type in catalog.racks
    assert catalog.device("vera-rubin-nvl144").is_preliminary
    assert not catalog.device("dgx-h100").is_preliminary


def test_facility_racks_and_media_are_present(catalog):
    assert {"cdu-coolchip-1350", "cdu-coolchip-2300", "cdu-chx2000"} <= set(catalog.facility)
    assert catalog.facility["cdu-coolchip-1350"].capacity_kw.value == 1350
    assert {"rack-600x1200", "rack-800x1200", "orv3-hpr", "nvl72-rack"} <= set(catalog.racks)
    assert len(catalog.media) >= 10
    assert {m.kind for m in catalog.media.values()} >= {"dac", "aoc"}


def test_liquid_fraction_always_has_provenance(catalog):
    # regression: NICs without a liquid share got a bare default figure with no class
    for d in catalog.devices.values():
        f = d.liquid_fraction
        assert f.value is not None and 0 <= f.value <= 1
        assert f.cls is not None, d.id


def _write(folder: Path, name: str, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


GOOD_USER_FILE = {
    "schema": "rackscape.catalog/1", "title": "my lab", "generation": "hopper",
    "devices": [{"id": "lab-gpu-box", "name": "Lab GPU box", "role": "gpu_server",
                 "generation": "hopper", "u_height": 4, "gpus": 4,
                 "power_max_w": {"value": 3000, "class": "estimate",
                                 "note": "4 x 700 W GPUs + 200 W"}}],
}


def test_bad_user_files_are_reported_and_skipped(tmp_path):
    user = tmp_path / "catalog"
    _write(user, "a-good.json", GOOD_USER_FILE)
    _write(user, "b-truncated.json", '{"schema": "rackscape.catalog/1", "title": "x", "dev')
    _write(user, "c-wrong-schema.json", {"schema": "other/9", "title": "x"})
    _write(user, "d-bad-fraction.json", {
        "schema": "rackscape.catalog/1", "title": "x",
        "devices": [{"id": "hot", "name": "hot", "role": "other", "generation": "x",
                     "liquid_fraction": {"value": 1.5, "class": "estimate", "note": "typo"}}]})
    (user / "e-binary.json").write_bytes(b"\xff\xfe\x00garbage")
    cat = load_catalog(user_dir=user)
    assert cat.device("lab-gpu-box").gpus == 4
    assert "hot" not in cat.devices
    assert "dgx-h100" in cat.devices  # the built-in catalog is intact
    assert len(cat.problems) == 4
    for name, text in zip(("b-truncated", "c-wrong-schema", "d-bad-fraction", "e-binary"),
                          cat.problems, strict=True):
        assert name in text
    assert "line 1 column" in cat.problems[0]
    assert "schema" in cat.problems[1]
    assert "liquid_fraction" in cat.problems[2]
    assert "UTF-8" in cat.problems[3]


def test_user_file_overrides_a_builtin_entry(tmp_path):
    dgx = load_catalog(user_dir=None).device("dgx-h100").model_dump(by_alias=True)
    dgx["power_max_w"] = {"value": 11300, "class": "derived", "note": "heat figure 38,557 BTU/h"}
    _write(tmp_path, "override.json", {"schema": "rackscape.catalog/1", "title": "o",
                                       "devices": [dgx]})
    cat = load_catalog(user_dir=tmp_path)
    assert cat.device("dgx-h100").power_max_w.value == 11300
    assert cat.problems == []


def test_user_figures_cite_sources_the_catalog_knows(tmp_path):
    import copy

    cited = copy.deepcopy(GOOD_USER_FILE)
    cited["devices"][0]["power_max_w"] = {"value": 3000, "source": "LAB-1", "class": "vendor"}
    _write(tmp_path, "box.json", cited)
    # a key no sources.json has: the file is named and skipped, as any bad user file
    cat = load_catalog(user_dir=tmp_path)
    assert "lab-gpu-box" not in cat.devices
    (problem,) = cat.problems
    assert "box.json" in problem and "devices[0].power_max_w.source" in problem
    assert "'LAB-1'" in problem
    # the user's own sources.json supplies it
    _write(tmp_path, "sources.json", {"schema": "rackscape.catalog/1", "title": "lab sources",
                                      "sources": [{"key": "LAB-1", "class": "V",
                                                   "title": "lab datasheet"}]})
    cat = load_catalog(user_dir=tmp_path)
    assert cat.problems == [] and cat.device("lab-gpu-box").power_max_w.source == "LAB-1"
    assert cat.sources["LAB-1"].title == "lab datasheet"
    # a broken one is named too, never passed over in silence
    _write(tmp_path, "sources.json", "{broken")
    cat = load_catalog(user_dir=tmp_path)
    assert any("sources.json" in p for p in cat.problems)


def test_missing_user_folder_is_not_an_error(tmp_path):
    cat = load_catalog(user_dir=tmp_path / "nope")
    assert cat.problems == [] and "dgx-h100" in cat.devices


def test_an_unreadable_user_folder_or_a_file_in_its_place_is_named_not_fatal(tmp_path,
                                                                            monkeypatch):
    from pathlib import Path

    (tmp_path / "catalog").write_text("not a folder")
    cat = load_catalog(user_dir=tmp_path / "catalog")
    assert cat.devices and len(cat.problems) == 1 and "this is a file" in cat.problems[0]
    folder = tmp_path / "locked"
    folder.mkdir()
    real = Path.exists

    def denied(self, *a, **k):  # as a folder of mode 000 answers a user who is not root
        if self == folder / "sources.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "exists", denied)
    cat = load_catalog(user_dir=folder)
    assert cat.devices and len(cat.problems) == 1
    assert "expected a readable folder (Permission denied)" in cat.problems[0]


def test_user_folder_follows_the_environment(monkeypatch, tmp_path, isolated_user_dir):
    assert user_catalog_dir() == isolated_user_dir / "catalog"
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    assert user_catalog_dir() == tmp_path / "catalog"
    _write(tmp_path / "catalog", "mine.json", GOOD_USER_FILE)
    assert "lab-gpu-box" in load_catalog().devices  # "default" reads the env folder


def test_tests_never_see_the_real_user_folders(isolated_user_dir):
    import platformdirs

    from engine.templates import user_template_dir

    home = Path.home().resolve()
    for folder in (user_catalog_dir(), user_template_dir(),
                   Path(platformdirs.user_data_dir("rackscape", appauthor=False))):
        assert home not in folder.resolve().parents, folder
    assert user_template_dir().parent == isolated_user_dir


def test_by_role_and_generations(catalog):
    gens = catalog.generations()
    assert {"hopper", "blackwell", "rubin"} <= set(gens)
    hopper_servers = {d.id for d in catalog.by_role("gpu_server", "hopper")}
    assert {"dgx-h100", "dgx-h200"} <= hopper_servers
    assert all(d.role == "switch" for d in catalog.by_role("switch"))


# -- fuzzed input: files that are not regular, huge integers, figures outside physical bounds -

def _builtin_entry(group: str, entry_id: str) -> dict:
    entry = getattr(load_catalog(user_dir=None), group)[entry_id]
    return entry.model_dump(by_alias=True, exclude_none=True)


def _with(group: str, entry_id: str, **changes) -> dict:
    return {"schema": "rackscape.catalog/1", "title": "hostile",
            group: [{**_builtin_entry(group, entry_id), **changes}]}


BAD_ENTRIES = {
    # capacity 0: templates divide the air heat by it (ZeroDivisionError)
    "crah-capacity-0": (lambda: _with("facility", "crah-cw-250",
                                      capacity_kw={"value": 0, "class": "vendor"}),
                        "facility[0].capacity_kw", "from 0.1 to 100,000 kW (got 0)"),
    # speed 0: cabling divides link speeds by it (OverflowError)
    "medium-speed-0": (lambda: _with("media", "dac-800", speed_gbps=0),
                       "media[0].speed_gbps", "from 1 to 100,000 Gb/s (got 0)"),
    "medium-reach-0": (lambda: _with("media", "dac-800", reach_max_m={"value": 0,
                                                                      "class": "vendor"}),
                       "media[0].reach_max_m", "from 0.1 to 200,000 m (got 0)"),
    # a switch of speed 0 makes a fabric of speed 0, which the layout refuses (traceback)
    "switch-speed-0": (lambda: _with("devices", "qm9700", switch_port_speed_gbps=0),
                       "devices[0]", "switch_port_speed_gbps from 1"),
    "switch-ports-0": (lambda: _with("devices", "qm9700", switch_ports=0),
                       "devices[0]", "switch_ports of at least 1"),
    "port-speed-0": (lambda: _with("devices", "dgx-h100", ports=[
        {"purpose": "scale_out", "count": 8, "speed_gbps": 0}]),
        "devices[0].ports[0].speed_gbps", "from 1 to 100,000 Gb/s"),
    "device-power-1GW": (lambda: _with("devices", "dgx-h100",
                                       power_max_w={"value": 1e9, "class": "vendor"}),
                         "devices[0].power_max_w", "from 0 to 1,000,000 W"),
    "device-gpus-10000": (lambda: _with("devices", "dgx-h100", gpus=10_000),
                          "devices[0].gpus", "at most 1,024 (got 10,000)"),
    "rack-1000km-wide": (lambda: _with("racks", "rack-800x1200",
                                       width_mm={"value": 1e9, "class": "vendor"}),
                         "racks[0].width_mm", "from 100 to 5,000 mm"),
    "rack-0-deep": (lambda: _with("racks", "rack-800x1200",
                                  depth_mm={"value": 0, "class": "vendor"}),
                    "racks[0].depth_mm", "from 100 to 5,000 mm (got 0)"),
    "busway-0-amps": (lambda: _with("facility", "busway-415v-400a", amps=0),
                      "facility[0].amps", "from 1 to 10,000 A"),
    # an 8-GPU server at 0 W would drop out of power and cooling without a word
    "server-0-watts": (lambda: _with("devices", "dgx-h100",
                                     power_max_w={"value": 0, "class": "vendor"}),
                       "devices[0]", "power_max_w above 0 W for a gpu server"),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_entries_outside_physical_bounds_are_skipped_with_file_field_and_range(tmp_path, case):
    build, field, expected = BAD_ENTRIES[case]
    _write(tmp_path, "a-good.json", GOOD_USER_FILE)
    path = _write(tmp_path, "b-hostile.json", build())
    cat = load_catalog(user_dir=tmp_path)
    assert "lab-gpu-box" in cat.devices  # the good user file still loads
    assert len(cat.problems) == 1
    assert cat.problems[0].startswith(f"{path}: {field}: expected ")
    assert expected in cat.problems[0]


def test_builtin_figures_are_inside_the_bounds(catalog):
    # the bounds are far outside real products: the built-in catalog loads whole
    assert len(catalog.files) == len(list(builtin_catalog_dir().glob("*.json")))
    assert catalog.problems == []


def test_an_integer_of_5000_digits_skips_the_file_and_names_it(tmp_path):
    _write(tmp_path, "a-good.json", GOOD_USER_FILE)
    path = _write(tmp_path, "b-bigint.json", '{"schema": "rackscape.catalog/1", "title": "u", '
                  '"devices": [{"id": "z", "name": "z", "role": "other", "generation": "g", '
                  '"gpus": 1' + "0" * 5000 + "}]}")
    cat = load_catalog(user_dir=tmp_path)  # a ValueError escaped here before
    assert "lab-gpu-box" in cat.devices and "z" not in cat.devices
    assert cat.problems == [f"{path}: expected numbers of at most 4,300 digits (one has 5,001)"]


def test_a_pipe_or_folder_named_json_is_skipped_not_waited_on(tmp_path):
    import os

    _write(tmp_path, "a-good.json", GOOD_USER_FILE)
    (tmp_path / "b-folder.json").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "c-pipe.json")  # reading it would wait for a writer forever
    cat = load_catalog(user_dir=tmp_path)
    assert "lab-gpu-box" in cat.devices
    assert "b-folder.json: expected a regular catalog file (got a folder)" in cat.problems[0]
    if hasattr(os, "mkfifo"):
        assert "c-pipe.json: expected a regular catalog file (got a named pipe)" \
            in cat.problems[1]


def test_true_where_a_catalog_number_belongs_is_refused_with_the_field(tmp_path):
    """``"gpus": true`` once read as one GPU; ``"value": true`` as a 1 W device."""
    from engine.catalog import read_catalog_file
    from engine.errors import InputError

    head = '{"schema": "rackscape.catalog/1", "title": "u", "devices": [{"id": "z", "name": "z", '
    cases = {
        '"role": "other", "generation": "g", "gpus": true}]}':
            "devices[0].gpus: expected an integer from 0 to 1,024",
        '"role": "other", "generation": "g", "power_max_w": {"value": true}}]}':
            "devices[0].power_max_w.value: expected",
    }
    for tail, expected in cases.items():
        path = tmp_path / "c.json"
        path.write_text(head + tail)
        with pytest.raises(InputError) as info:
            read_catalog_file(path)
        assert expected in str(info.value) and "(got true)" in str(info.value)


def test_rack_scale_systems_place_their_trays_in_their_frame(catalog):
    # 18 compute + 9 NVLink switch trays per NVL72 rack [S04]; where the catalog gives
    # the frame, every tray has a slot, none overlaps, all within the 48U rack, and the
    # arrangement says it is an estimate
    for sid in ("gb200-nvl72", "gb300-nvl72", "vera-rubin-nvl144"):
        d = catalog.devices[sid]
        kinds = [b.kind for b in d.bays]
        assert kinds.count("compute_tray") == d.compute_trays == 18
        assert kinds.count("switch_tray") == 9
        top = catalog.racks[d.rack_type].height_u
        assert all(b.u + b.height_u - 1 <= top for b in d.bays)
        assert "estimate" in (d.bays_note or "").lower()


@pytest.mark.parametrize("bays, expected", [
    ([{"kind": "compute_tray", "u": 1}], "2 compute_tray bays, one per compute tray (got 1)"),
    ([{"kind": "compute_tray", "u": 1}, {"kind": "compute_tray", "u": 2},
      {"kind": "power_shelf", "u": 2}], "U2 is already bays[1]'s"),
])
def test_bays_that_do_not_fit_the_trays_are_refused(bays, expected):
    from pydantic import ValidationError

    from engine.catalog import DeviceType

    with pytest.raises(ValidationError, match=re.escape(expected)):
        DeviceType(id="x", name="X", role="rack_system", generation="blackwell",
                   is_rack_scale=True, compute_trays=2, bays=bays)


def test_a_layout_or_template_in_the_catalog_folder_is_named_as_what_it_is(tmp_path):
    # once "schema: expected this required field; 515 more problem(s)"
    import shutil

    from engine.io import save_layout
    from engine.templates import builtin_template_dir, instantiate

    folder = tmp_path / "catalog"
    folder.mkdir()
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), folder / "my-hall.json")
    shutil.copy(builtin_template_dir() / "hopper" / "dgx-h100-hall.json", folder / "t.json")
    cat = load_catalog(user_dir=folder)
    said = sorted(str(p) for p in cat.problems)
    assert said == [
        f"{folder / 'my-hall.json'}: expected a catalog file (this is a Rackscape layout: a "
        "design to open, not hardware for the catalog)",
        f"{folder / 't.json'}: expected a catalog file (this is a Rackscape template: it "
        "belongs in the template library)"]
