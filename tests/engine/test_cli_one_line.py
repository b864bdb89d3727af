"""Every refusal is one line on standard error with exit 2: a file name holding a line
break is written with ``\\n``; an empty ``--size`` or overlay name is refused, not taken
for the default."""

from __future__ import annotations

import pytest

from designer.cli import main
from engine.io import save_layout
from engine.templates import instantiate


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


def _one_line(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rackscape: "), err
    return err


def test_a_file_name_with_a_line_break_stays_on_one_line(tmp_path, capsys):
    err = _one_line(capsys, ["check", str(tmp_path / "a\nb.json")])
    assert "a\\nb.json" in err


@pytest.mark.parametrize("option", ["--size=", "--overlay=", "--overlay=,,",
                                    "--overlay=heatmap,,cooling"])
def test_an_empty_size_or_overlay_is_refused(tmp_path, hall, capsys, option):
    out = tmp_path / "r.png"
    err = _one_line(capsys, ["report", str(hall), "-o", str(out), option])
    assert err.startswith(f"rackscape: {option.split('=')[0]}:")
    assert not out.exists()


def test_new_takes_the_designs_author_not_the_templates(tmp_path, capsys):
    """The template's author ("Rackscape") made the report's cover name Rackscape as the
    design's author: a new design has none until given (--author, or the inspector)."""
    import json

    plain, named = tmp_path / "plain.json", tmp_path / "named.json"
    assert main(["new", "fat-tree", "-o", str(plain)]) == 0
    assert main(["new", "fat-tree", "-o", str(named), "--author", "Jane Doe"]) == 0
    capsys.readouterr()
    assert json.loads(plain.read_text(encoding="utf-8"))["author"] is None
    assert json.loads(named.read_text(encoding="utf-8"))["author"] == "Jane Doe"
    err = _one_line(capsys, ["new", "fat-tree", "-o", str(tmp_path / "x.json"),
                             "--author", "x" * 201])
    assert err.startswith("rackscape: --author:")
    # a line break or a terminal escape would reach the report's cover and a terminal
    for bad in ("Jane\nDoe", "Jane\x1b[2JDoe"):
        err = _one_line(capsys, ["new", "fat-tree", "-o", str(tmp_path / "x.json"),
                                 "--author", bad])
        assert err == ("rackscape: --author: expected a name of at most 200 characters on "
                       "one line, without control characters\n")
        assert not (tmp_path / "x.json").exists()


def test_a_layout_name_or_author_with_control_characters_reads_as_one_line(tmp_path, capsys):
    # a layout file whose name or author holds a NUL, a bell, a line break, a tab or a
    # direction mark (saved before names were checked, or by hand) still opens: each
    # reads as a space, so nothing raw reaches a report's title or a terminal
    import json

    for field, bad, shown in (("name", "a\u0000bc", "a bc"), ("author", "a\u0007b", "a b"),
                              ("name", "x\u202ey", "x y"), ("name", "two\nlines", "two lines"),
                              ("author", "Ann\tLee", "Ann Lee")):
        f = tmp_path / "odd.json"
        f.write_text(json.dumps({"schema_version": 3, field: bad,
                                 "hall": {"outline": [[0, 0], [5, 0], [5, 5]]}}))
        assert main(["analyze", str(f), "--json"]) == 0
        capsys.readouterr()
        from engine.io import load_layout

        assert getattr(load_layout(f), field) == shown
    # typed on the command line, such an author is refused (a no-break space is a space)
    out = tmp_path / "a.json"
    err = _one_line(capsys, ["new", "fat-tree", "-o", str(out), "--author", "Ann\tLee"])
    assert "--author: expected a name" in err and not out.exists()
    assert main(["new", "fat-tree", "-o", str(out), "--author", "Jean\u00a0Dupont"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["author"] == "Jean\u00a0Dupont"
    out.unlink()
    capsys.readouterr()
    # an empty --author is no author
    assert main(["new", "fat-tree", "-o", str(out), "--author", ""]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["author"] is None
