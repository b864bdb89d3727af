"""Layout files: atomic saves, typed errors naming file and field, schema migration."""

from __future__ import annotations

import json
import os

import pytest

from engine import io as lio
from engine.errors import InputError
from engine.io import MIGRATIONS, layout_from_dict, load_layout, migrate, save_layout
from engine.model import SCHEMA_VERSION, Layout


def _leftovers(folder, name):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture
def layout(builder):
    return (builder(12, 8).rack("R1", 2, 2).rack("R2", 2.8, 2).crah("C1", 10, 4, 150)
            .feed("A1", "A").feed("B1", "B").build("io test"))


def test_save_then_load_is_identity(tmp_path, layout):
    path = tmp_path / "hall.json"
    save_layout(layout, path)
    assert load_layout(path) == layout
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert _leftovers(tmp_path, "hall.json") == []


@pytest.mark.parametrize("crash_in", ["replace", "fsync"])
def test_crash_mid_save_keeps_the_original_and_leaves_no_temp_file(tmp_path, layout, monkeypatch,
                                                                    crash_in):
    path = tmp_path / "hall.json"
    save_layout(layout, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lio.os, crash_in, boom)
    changed = layout.model_copy(update={"name": "changed"})
    with pytest.raises(OSError, match="No space left"):
        save_layout(changed, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_layout(path).name == "io test"
    assert _leftovers(tmp_path, "hall.json") == []


def test_saved_files_get_the_usual_permissions_or_keep_their_own(tmp_path, layout):
    # the temp file behind an atomic save is private (0600); the saved layout is not:
    # colleagues read it as they read any file the user makes
    old = os.umask(0o022)
    try:
        new = tmp_path / "hall.json"
        save_layout(layout, new)
        assert new.stat().st_mode & 0o777 == 0o644
        os.chmod(new, 0o640)  # a file the user restricted stays restricted
        save_layout(layout, new)
        assert new.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_crash_writing_a_new_file_creates_nothing(tmp_path, layout, monkeypatch):
    monkeypatch.setattr(lio.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError):
        save_layout(layout, tmp_path / "new.json")
    assert list(tmp_path.iterdir()) == []


def test_newer_schema_is_refused_naming_file_and_field(tmp_path, layout):
    data = json.loads(layout.model_dump_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        load_layout(path)
    assert err.value.file == str(path)
    assert err.value.field == "schema_version"
    assert "newer Rackscape" in str(err.value)
    assert str(err.value).startswith(f"{path}: schema_version: expected version {SCHEMA_VERSION}")


SCHEMA_1 = {
    "schema_version": 1,
    "name": "old hall",
    "hall": {"outline": [[0, 0], [10, 0], [10, 8], [0, 8]], "floor_rating": 900},
    "racks": [{"id": "R1", "type": "rack-800x1200", "position": [2.5, 3.0], "rotation": 90,
               "devices": [{"type": "dgx-h100", "u": 3}]}],
    "cooling": [{"id": "C1", "kind": "crah", "position": [9, 4], "rotation": 270,
                 "capacity_kw": 150}],
}


def test_schema_1_file_is_migrated_to_current(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(SCHEMA_1))
    lay = load_layout(path)
    assert lay.schema_version == SCHEMA_VERSION
    assert lay.hall.floor_rating_kg_m2 == 900
    r = lay.racks[0]
    assert (r.x_m, r.y_m, r.rotation_deg) == (2.5, 3.0, 90)
    c = lay.cooling[0]
    assert (c.x_m, c.y_m, c.rotation_deg) == (9, 4, 270)
    # saving writes the current schema; the original dict was not modified in place
    save_layout(lay, path)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert SCHEMA_1["racks"][0]["position"] == [2.5, 3.0]


def test_every_old_version_has_a_migration():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))


@pytest.mark.parametrize("racks", ["abc", [1, "x", None], {"R1": {}}, [{"position": {"x": 1}}]])
def test_malformed_schema_1_is_reported_not_crashed(racks):
    # regression: migration used to call dict() on anything and raised a bare TypeError
    data = dict(SCHEMA_1, racks=racks, hall=[1, 2])
    with pytest.raises(InputError) as err:
        layout_from_dict(data, "old.json")
    assert err.value.file == "old.json"
    assert err.value.field


@pytest.mark.parametrize("version", [0, -1, "2", 1.5, True, None])
def test_bad_schema_versions(version):
    with pytest.raises(InputError, match="schema_version"):
        migrate({"schema_version": version, "hall": {}})


def test_a_quoted_schema_version_says_to_drop_the_quotes():
    with pytest.raises(InputError) as err:
        migrate({"schema_version": "3", "hall": {}}, "a.json")
    assert str(err.value) == ("a.json: schema_version: expected an integer from 1 to "
                              f"{SCHEMA_VERSION}, without quotes (got '3')")


def test_missing_schema_version_is_read_as_version_1():
    out = migrate({"hall": {"floor_rating": 500}})
    assert out["schema_version"] == SCHEMA_VERSION
    assert out["hall"] == {"floor_rating_kg_m2": 500}


@pytest.mark.parametrize(("text", "field", "expected"), [
    ('{"name": "x", "hall": {"outline": [[0, 0], [1, 0', "line 1 column", "valid JSON"),
    ('{"hall": {"outline": [[0, 0], [1, 0], [1, NaN]]}}', "", "valid JSON numbers"),
    ('[1, 2, 3]', "(top level)", "a JSON object"),
    ('{"hall": {"outline": [[0, 0], [1, 0]]}}', "hall.outline", "at least 3 items"),
    ('{"hall": {"outline": [[0, 0], [1, 0], [1, 1]]}, "racks": [{"id": "R 1"}]}',
     "racks[0].id", "(no spaces)"),
    # a key twice: JSON readers keep the last silently, and the first is lost
    ('{"hall": {"outline": [[0, 0], [1, 0], [1, 1]]}, "racks": [{"id": "R1", "x_m": 1, '
     '"x_m": 2}]}', "x_m", "each key once in an object"),
])
def test_malformed_files_raise_one_typed_error(tmp_path, text, field, expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_layout(path)
    assert err.value.file == str(path)
    assert field in err.value.field
    assert expected in err.value.expected


def test_unreadable_paths(tmp_path):
    with pytest.raises(InputError, match="a readable layout file"):
        load_layout(tmp_path / "missing.json")
    with pytest.raises(InputError, match=r"a regular layout file \(got a folder\)"):
        load_layout(tmp_path)
    raw = tmp_path / "latin1.json"
    raw.write_bytes(b'{"name": "\xe9"}')
    with pytest.raises(InputError, match="UTF-8"):
        load_layout(raw)


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch, layout):
    path = tmp_path / "big.json"
    save_layout(layout, path)
    monkeypatch.setattr(lio, "MAX_FILE_BYTES", 10)
    with pytest.raises(InputError, match="under 10 bytes"):
        load_layout(path)


def test_saved_file_is_plain_json_with_units_in_names(tmp_path, layout):
    path = tmp_path / "hall.json"
    save_layout(layout, path)
    data = json.loads(path.read_text())
    assert {"x_m", "y_m", "rotation_deg"} <= set(data["racks"][0])
    assert "floor_rating_kg_m2" in data["hall"]
    assert Layout.model_validate(data) == layout


def test_temp_file_is_in_the_target_folder(tmp_path, layout, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append((os.path.dirname(src), os.path.dirname(dst)))
        return real(src, dst)

    monkeypatch.setattr(lio.os, "replace", spy)
    save_layout(layout, tmp_path / "x.json")
    assert seen == [(str(tmp_path), str(tmp_path))]  # same filesystem: rename is atomic


def test_schema_2_file_loads_as_schema_3_and_keeps_a_crah_return(tmp_path):
    from engine.model import CoolingUnit

    lay = layout_from_dict({"schema_version": 2, "hall": {"outline": [[0, 0], [9, 0], [9, 9]]},
                            "cooling": [{"id": "C1", "kind": "crah", "x_m": 1, "y_m": 1,
                                         "capacity_kw": 100}]})
    assert lay.schema_version == 3 and lay.cooling[0].return_xy_m is None
    lay.cooling[0] = CoolingUnit(**{**lay.cooling[0].model_dump(), "return_xy_m": (2.0, 1.0)})
    path = tmp_path / "v3.json"
    save_layout(lay, path)
    assert load_layout(path).cooling[0].return_xy_m == (2.0, 1.0)


def test_the_shared_reader_refuses_pipes_devices_and_huge_numbers(tmp_path):
    # engine.errors.load_json_file reads every user file: layouts, catalog and template files
    from engine.errors import MAX_DATA_FILE_BYTES, load_json_file

    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")
        with pytest.raises(InputError, match=r"a regular template file \(got a named pipe\)"):
            load_json_file(tmp_path / "pipe.json", MAX_DATA_FILE_BYTES, "template file")
    if os.path.exists("/dev/zero"):
        with pytest.raises(InputError, match=r"a regular template file \(got a device\)"):
            load_json_file("/dev/zero", MAX_DATA_FILE_BYTES, "template file")
    big = tmp_path / "big.json"
    big.write_text('{"n": ' + "9" * 4301 + "}")
    with pytest.raises(InputError) as err:
        load_json_file(big)
    assert (err.value.file, err.value.field) == (str(big), "")
    assert err.value.expected == "numbers of at most 4,300 digits (one has 4,301)"
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested less deeply"):
        load_json_file(deep)
    nan = tmp_path / "nan.json"
    nan.write_text('{"x": NaN}')
    assert load_json_file(nan)["x"] != 0  # NaN passes through for pydantic to name the field
    with pytest.raises(InputError, match="NaN is not a number"):
        load_json_file(nan, allow_constants=False)


def test_a_duplicate_id_is_named_where_it_is_used_again(tmp_path):
    outline = [[0, 0], [9, 0], [9, 9]]
    data = {"hall": {"outline": outline, "obstacles": [
                {"id": "F1", "polygon": [[1, 1], [2, 1], [2, 2]]}]},
            "feeds": [{"id": "F1", "side": "A"}]}
    with pytest.raises(InputError) as err:
        layout_from_dict(data, "h.json")
    assert str(err.value) == "h.json: hall.obstacles[0].id: expected a unique id ('F1' is also " \
                             "feeds[0])"


def test_a_layout_of_more_racks_than_any_hall_is_refused_at_once(tmp_path):
    # 100,001 racks (over 3 million GPUs): one line naming the file and the field, before
    # any analysis spends minutes on it
    data = {"hall": {"outline": [[0, 0], [10, 0], [10, 10]]},
            "racks": [{"id": f"R{i}", "type": "rack-800x1200", "x_m": 1, "y_m": 1}
                      for i in range(100_001)]}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as info:
        load_layout(path)
    assert info.value.field == "racks" and "at most 100,000" in str(info.value)
    assert str(path) in str(info.value)


def test_a_read_only_design_is_not_replaced(tmp_path):
    # saving renames a new file over the old one, which the old file's own permissions do
    # not stop: a file marked read-only is refused, and stays as it was
    lay = Layout.model_validate({"hall": {"outline": [[0, 0], [10, 0], [10, 10]]}})
    path = tmp_path / "frozen.json"
    save_layout(lay, path)
    before = path.read_bytes()
    path.chmod(0o444)
    other = lay.model_copy(update={"name": "changed"})
    with pytest.raises(InputError, match="read-only"):
        save_layout(other, path)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("content", "needle"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "this is a PNG image"),
    (b'{"schema": "rackscape.template/1", "id": "x"}', "this is a template file"),
    (b'{"schema": "rackscape.catalog/1", "title": "x"}', "this is a catalog file"),
])
def test_a_file_of_another_kind_is_named_for_what_it_is(tmp_path, content, needle):
    # a template, catalog or image opened as a design gets one line saying what it is,
    # not the 55 layout fields a template lacks
    path = tmp_path / "picked.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_layout(path)
    assert needle in str(info.value) and not info.value.problems


@pytest.mark.parametrize("template, generation", [
    ("gb200-nvl72-superpod", "blackwell"), ("mi355x-cluster", "amd-instinct"),
    ("cpu-cluster", "cpu"), ("dgx-h100-hall", "hopper")])
def test_a_file_without_a_generation_takes_its_hardwares(template, generation):
    """A layout written by hand or by another tool may leave out ``generation``: it is
    the generation of the hardware it holds, not a default that would flag every GPU
    rack as another generation's."""
    from engine.templates import instantiate

    layout = instantiate(template)
    data = layout.model_dump(mode="json")
    assert data.pop("generation") == generation
    assert layout_from_dict(data).generation == generation
