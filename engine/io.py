"""Load and save layouts as versioned JSON; atomic writes; schema migration.

A layout file is UTF-8 JSON with ``schema_version``. Files of an older schema
version are migrated in memory by :data:`MIGRATIONS`; files of a newer version
are refused. Every failure is an :class:`engine.errors.InputError` naming the
file, the field path and what was expected.

Examples
--------
>>> import tempfile, pathlib
>>> from engine.model import Hall, Layout
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> lay = Layout(name="x", hall=Hall(outline=[(0, 0), (5, 0), (5, 5), (0, 5)]))
>>> save_layout(lay, d / "x.json")
>>> load_layout(d / "x.json") == lay
True
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import (
    FROM_FILE,
    InputError,
    describe_input,
    format_validation_error,
    parse_json_text,
    read_text_limited,
    validation_problems,
)
from engine.model import SCHEMA_VERSION, Layout

__all__ = ["MAX_FILE_BYTES", "MIGRATIONS", "LAYOUT_KIND", "BUNDLE_KIND", "load_layout",
           "save_layout", "layout_from_dict", "atomic_write_bytes", "output_path",
           "is_layout_file", "project_file_kind", "own_folder", "own_folder_clash",
           "layout_output_clash", "migrate"]

MAX_FILE_BYTES = 512 * 1024 * 1024


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 stored ``position: [x, y]`` and ``rotation`` on racks and units,
    and ``floor_rating`` on the hall; schema 2 names units (``x_m``, ``y_m``,
    ``rotation_deg``, ``floor_rating_kg_m2``)."""
    # anything of the wrong shape is left as it is for validation to report
    out = dict(data)
    hall = out.get("hall")
    if isinstance(hall, dict) and "floor_rating" in hall:
        hall = dict(hall)
        hall["floor_rating_kg_m2"] = hall.pop("floor_rating")
        out["hall"] = hall
    for key in ("racks", "cooling"):
        if not isinstance(out.get(key), list):
            continue
        items = []
        for item in out[key]:
            if isinstance(item, dict):
                item = dict(item)
                if "position" in item:
                    pos = item.pop("position")
                    if isinstance(pos, list) and len(pos) == 2:
                        item["x_m"], item["y_m"] = pos
                    else:
                        item["x_m"] = pos
                if "rotation" in item:
                    item["rotation_deg"] = item.pop("rotation")
            items.append(item)
        out[key] = items
    out["schema_version"] = 2
    return out


def _migrate_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 adds where a CRAH draws room air (``return_xy_m``, optional): a
    schema 2 file is a valid schema 3 file as it is."""
    return {**data, "schema_version": 3}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _migrate_1_to_2, 2: _migrate_2_to_3}


def migrate(data: dict[str, Any], file: str | os.PathLike | None = None) -> dict[str, Any]:
    """Bring a layout dict to the current schema version.

    Examples
    --------
    >>> migrate({"schema_version": 1, "hall": {"floor_rating": 900}, "racks": []})["hall"]
    {'floor_rating_kg_m2': 900}
    """
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        hint = ", without quotes" if isinstance(version, str) and \
            version.strip().isdigit() else ""
        raise InputError(file, "schema_version", f"an integer from 1 to {SCHEMA_VERSION}"
                         f"{hint} (got {describe_input(version)})")
    if version > SCHEMA_VERSION:
        digits = str(version)  # JSON's parser refuses more digits than this converts
        shown = digits if len(digits) <= 20 else f"{digits[:12]}... ({len(digits):,} digits)"
        raise InputError(file, "schema_version",
                         f"version {SCHEMA_VERSION} or older (file is version {shown}, "
                         "written by a newer Rackscape)")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


def layout_from_dict(data: Any, file: str | os.PathLike | None = None) -> Layout:
    """Validate a decoded JSON object as a :class:`Layout` (migrating old versions).

    Its values are of their fields' JSON types: a number in quotes is text, refused.

    Examples
    --------
    >>> hall = {"outline": [[0, 0], [9, 0], [9, 9]]}
    >>> rack = {"id": "R1", "type": "rack-800x1200", "x_m": 4, "y_m": 1}
    >>> layout_from_dict({"hall": hall, "racks": [rack]}).racks[0].x_m
    4.0
    >>> layout_from_dict({"hall": hall, "racks": [{**rack, "x_m": "4.0"}]}, "hall.json")
    Traceback (most recent call last):
    ...
    engine.errors.InputError: hall.json: racks[0].x_m: expected a finite number from -100,000 to 100,000, without quotes (got '4.0')
    """
    if not isinstance(data, dict):
        raise InputError(file, "(top level)", f"a JSON object (got {describe_input(data)})")
    data = migrate(data, file)
    try:
        # FROM_FILE: a number in quotes is refused, where Python callers get pydantic's
        # conversion
        layout = Layout.model_validate(data, context=FROM_FILE)
    except ValidationError as exc:
        field, expected = format_validation_error(exc, Layout)
        if field == "(top level)" and ("duplicate" in expected or "unique" in expected):
            field, expected = _duplicate_id(data) or (field, expected)
        problems = validation_problems(exc, Layout)
        raise InputError(file, field, expected,
                         problems=problems if len(problems) > 1 else ()) from None
    if "generation" not in data:
        # a file written by hand or by another tool: its hardware says which generation it is
        from engine.catalog import default_catalog

        layout.generation = inferred_generation(layout, default_catalog().devices)
    return layout


def inferred_generation(layout: Layout, devices: dict[str, Any]) -> str:
    """Return the generation most of a layout's GPUs belong to (``devices``: the catalog's
    device types by id); its CPU nodes' with no GPUs; the model's default with neither.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> devices = {"a": T(generation="hopper", gpus=8, role="gpu_server"),
    ...            "b": T(generation="blackwell", gpus=72, role="rack_system"),
    ...            "c": T(generation="cpu", gpus=0, role="cpu_node")}
    >>> def lay(*contents):
    ...     return Layout.model_validate({"hall": {"outline": [[0, 0], [9, 0], [9, 9]]},
    ...         "racks": [{"id": f"R{i}", "type": "r", "x_m": 1, "y_m": 1, **c}
    ...                   for i, c in enumerate(contents)]})
    >>> inferred_generation(lay({"system": "b"}, {"devices": [{"type": "a", "u": 1}]}), devices)
    'blackwell'
    >>> inferred_generation(lay({"devices": [{"type": "c", "u": 1}]}), devices)
    'cpu'
    >>> inferred_generation(lay(), devices)
    'hopper'
    """
    gpus: dict[str, int] = {}
    nodes: dict[str, int] = {}
    for rack in layout.racks:
        types = [rack.system] if rack.system is not None else [d.type for d in rack.devices]
        for t in types:
            d = devices.get(t)
            if d is None:
                continue
            if d.gpus:
                gpus[d.generation] = gpus.get(d.generation, 0) + d.gpus
            elif d.role == "cpu_node":
                nodes[d.generation] = nodes.get(d.generation, 0) + 1
    counts = gpus or nodes
    if not counts:
        return Layout.model_fields["generation"].default
    return max(counts, key=counts.get)  # the first counted wins a tie


# the groups whose ids share one namespace, in the order Layout checks them
_ID_GROUPS = (("racks",), ("cooling",), ("feeds",), ("trays",), ("fabrics",), ("links",),
              ("hall", "obstacles"))


def _duplicate_id(data: dict[str, Any]) -> tuple[str, str] | None:
    """Return ``(field, expected)`` for the first id used twice in ``data``, else ``None``.

    The layout's own check sees only the validated model and says which id, not
    where; the field paths come from the file's data.

    Examples
    --------
    >>> _duplicate_id({"racks": [{"id": "R1"}, {"id": "R2"}], "cooling": [{"id": "R2"}]})
    ('cooling[0].id', "a unique id ('R2' is also racks[1])")
    """
    seen: dict[str, str] = {}
    for keys in _ID_GROUPS:
        node: Any = data
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if not isinstance(node, list):
            continue
        name = ".".join(keys)
        for i, item in enumerate(node):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            here = f"{name}[{i}]"
            if item_id in seen:
                return f"{here}.id", f"a unique id ({item_id!r} is also {seen[item_id]})"
            seen[item_id] = here
    return None


def load_layout(path: str | os.PathLike) -> Layout:
    """Read a layout file; raise :class:`InputError` if unreadable or invalid.

    Only a regular file (after symbolic links) of at most :data:`MAX_FILE_BYTES`
    is read: a pipe, a device or a folder is refused before reading.
    """
    try:
        text = read_text_limited(path, MAX_FILE_BYTES, "layout file")
    except InputError as exc:
        kind = _binary_kind(path) if exc.expected == "UTF-8 text" else None
        if kind is None:
            raise
        raise InputError(path, "", f"a Rackscape layout (JSON text; this is {kind})") from None
    data = parse_json_text(text, Path(path), allow_constants=False)
    if isinstance(data, dict) and data.get("schema") in _OTHER_FILES:
        # a template or catalog file opened as a design: say what it is and where it goes
        raise InputError(path, "schema", f"a Rackscape layout (this is "
                         f"{_OTHER_FILES[data['schema']]})")
    return layout_from_dict(data, Path(path))


# files of the project's other formats, by their schema line
_OTHER_FILES = {
    "rackscape.template/1": "a template file: instantiate it with File > New from template "
                            "or `rackscape new`",
    "rackscape.catalog/1": "a catalog file: put it in the user catalog folder",
    "rackscape.analysis/1": "an analysis written by `rackscape analyze --json` or a JSON "
                            "report: open the layout it was made from",
    # engine.compare.COMPARE_SCHEMA
    "rackscape.compare/1": "a comparison written by `rackscape compare --json`: make one of "
                           "its designs with `rackscape new` and the row's template and "
                           "parameters",
}
# the first bytes of files often renamed or picked by mistake
_MAGIC = ((b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"),
          (b"PK\x03\x04", "a ZIP archive, such as a template bundle or an XLSX workbook"),
          (b"\xff\xd8\xff", "a JPEG image"))


def _binary_kind(path: str | os.PathLike) -> str | None:
    """Name a binary file by its first bytes (``None`` when not one of :data:`_MAGIC`)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def file_mode_for(path: str | os.PathLike) -> int:
    """Return the permissions a write to ``path`` should leave: those of the file it
    replaces, else a normally created file's (``0o666`` less the umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                (stat.S_ISSOCK, "a socket"))


def output_path(path: str | os.PathLike) -> Path:
    """Return the file a write to ``path`` replaces, or raise :class:`InputError`.

    A symbolic link is written through (its target is replaced, the link stays); a
    folder, named pipe, device or socket is refused, and so are a missing folder and a
    read-only file. No output is opened here, so a named pipe cannot stall the command.

    Examples
    --------
    >>> output_path("/dev/null")
    Traceback (most recent call last):
    ...
    engine.errors.InputError: /dev/null: output: expected a regular file (this is a device)
    """
    given = Path(path)
    p = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        folder = p.parent if str(p.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(str(given), "output", f"a file in an existing folder "
                             f"({folder} does not exist)") from None
        return p
    except OSError as exc:
        raise InputError(str(given), "output", f"a writable file ({exc.strerror or exc})") \
            from None
    for test, what in _NOT_REGULAR:
        if test(mode):
            raise InputError(str(given), "output", f"a regular file (this is {what})")
    # a write replaces the file by renaming a new one over it, which its own permissions
    # do not stop: a file nobody may write (or this user may not) is refused here
    if not mode & 0o222 or not os.access(p, os.W_OK):
        raise InputError(str(given), "output", "a writable file (this one is read-only)")
    return p


def is_layout_file(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a regular file that reads as a Rackscape layout.

    A JSON object naming ``hall``, or ``schema_version`` and ``racks``, anywhere (keys
    may come in any order; a layout without ``schema_version`` loads as version 1,
    one without ``racks`` as an empty hall, but none loads without its hall); only a
    regular file is opened, so a named pipe cannot stall the caller. Used to refuse
    outputs that would replace a design. The analysis JSON has no ``hall`` key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.json").write_text('{"racks": [], "x": "' + "y" * 9000 + '", "hall": {}, '
    ...                               '"schema_version": 3}')
    >>> _ = (d / "b.json").write_text('{"name": "no version", "hall": {"outline": []}}')
    >>> _ = (d / "c.json").write_text('{"schema": "rackscape.analysis/1", "racks": []}')
    >>> [is_layout_file(d / n) for n in ("a.json", "b.json", "c.json", "missing")]
    [True, True, False, False]
    >>> is_layout_file(d)
    False
    """
    found = {b'"schema_version"': False, b'"hall"': False, b'"racks"': False}
    tail = b""
    opened = False
    for chunk in _json_chunks(path):
        opened = True
        window = tail + chunk
        for key in found:
            found[key] = found[key] or key in window
        tail = window[-32:]
    return opened and (found[b'"hall"'] or (found[b'"schema_version"'] and found[b'"racks"']))


def _json_chunks(path: str | os.PathLike, size: int = 1 << 20):
    """Yield the text of a regular file that reads as a JSON object, in UTF-8 chunks of about
    ``size`` bytes; nothing for anything else (not a regular file, too large, not starting
    with ``{``).

    A UTF-8 byte-order mark and any leading white space are skipped, as the loaders skip
    them, and a file saved as UTF-16 or UTF-32 (which the loaders ask to have saved as
    UTF-8) is decoded first: a design, template or catalog file however it starts is one
    no output replaces.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> import codecs
    >>> _ = (d / "a.json").write_bytes(codecs.BOM_UTF8 + b" " * 100 + b'{"hall": {}}')
    >>> _ = (d / "b.json").write_text('{"hall": {}}', encoding="utf-16")
    >>> _ = (d / "c.txt").write_text("hall")
    >>> [b"".join(_json_chunks(d / n)) for n in ("a.json", "b.json", "c.txt")]
    [b'{"hall": {}}', b'{"hall": {}}', b'']
    """
    from engine.errors import _wide_encoding

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            return
        with open(path, "rb") as fh:
            head = fh.read(64)
            wide = _wide_encoding(head)
            if wide is not None:
                raw = head + fh.read()
                codec = wide.lower().replace("-", "_")
                if not raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
                    # no byte-order mark: the zero byte comes first in big-endian text
                    codec += "_be" if raw[:1] == b"\x00" else "_le"
                try:
                    text = raw.decode(codec).lstrip("\ufeff \t\r\n").encode("utf-8")
                except (UnicodeDecodeError, LookupError):
                    return
                if text.startswith(b"{"):
                    yield from (text[k:k + size] for k in range(0, len(text), size))
                return
            fh.seek(0)
            first = True
            while chunk := fh.read(size):
                if first:
                    chunk = chunk.removeprefix(b"\xef\xbb\xbf").lstrip()
                    if not chunk:
                        continue  # a first megabyte of white space: read on
                    if not chunk.startswith(b"{"):
                        return
                    first = False
                yield chunk
    except OSError:
        return


_KIND_PATTERN = re.compile(rb'"schema"\s*:\s*"rackscape\.(template|catalog)/')
#: what :func:`project_file_kind` calls a saved design and a template bundle
LAYOUT_KIND = "a Rackscape layout"
BUNDLE_KIND = "a Rackscape template bundle"


def _is_bundle(path: str | os.PathLike) -> bool:
    """Return whether ``path`` is a zip archive whose ``manifest.json`` is a bundle's."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("manifest.json")
            if info.file_size > 2 * 1024 * 1024:  # a bundle's manifest is far smaller
                return False
            with zf.open(info) as fh:
                return b'"rackscape.bundle/' in fh.read(2 * 1024 * 1024)
    except (OSError, KeyError, EOFError, ValueError, RuntimeError, NotImplementedError,
            zipfile.BadZipFile, zlib.error):
        return False


def own_folder(path: str | os.PathLike) -> tuple[str, Path] | None:
    """Return ``(description, folder)`` when ``path`` is in a folder Rackscape reads its
    own data from (the built-in or user template library, the built-in or user catalog),
    else ``None``.

    A symbolic link counts where it points (a write goes through it). Every file there
    is read as a template or catalog file, so no output of the command line goes there.

    Examples
    --------
    >>> from engine.catalog import builtin_catalog_dir
    >>> own_folder(builtin_catalog_dir() / "hopper.json")[0]
    'the built-in catalog folder'
    >>> own_folder("/tmp/report.pdf") is None
    True
    """
    from engine.catalog import builtin_catalog_dir, user_catalog_dir
    from engine.templates import builtin_template_dir, user_template_dir

    real = Path(os.path.realpath(path))
    for what, folder in (("the built-in template folder", builtin_template_dir()),
                         ("the user template library", user_template_dir()),
                         ("the built-in catalog folder", builtin_catalog_dir()),
                         ("the user catalog folder", user_catalog_dir())):
        if real.is_relative_to(os.path.realpath(folder)):
            return what, folder
    return None


def project_file_kind(path: str | os.PathLike) -> str | None:
    """Return what Rackscape file ``path`` is, in words, or ``None`` for anything else.

    ``"a Rackscape layout"`` (:func:`is_layout_file`), ``"a Rackscape template"`` or
    ``"a Rackscape catalog file"`` (by the ``schema`` line near their start), ``"a
    Rackscape template bundle"`` (a zip whose ``manifest.json`` is a bundle's), or, for
    any other file in one of Rackscape's own folders (:func:`own_folder`), ``"a file of
    <that folder> (<path>)"``. An analysis JSON is an output, not a file the user keeps:
    ``None``. Used to refuse outputs that would replace a design, a template, a catalog
    file or a bundle.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.json").write_text('{"schema": "rackscape.template/1", "hall": {}}')
    >>> _ = (d / "c.json").write_text('{"schema":"rackscape.catalog/1", "devices": []}')
    >>> _ = (d / "l.json").write_text('{"hall": {"outline": []}}')
    >>> _ = (d / "a.json").write_text('{"schema": "rackscape.analysis/1"}')
    >>> [project_file_kind(d / n) for n in ("t.json", "c.json", "l.json", "a.json")]
    ['a Rackscape template', 'a Rackscape catalog file', 'a Rackscape layout', None]
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
    except OSError:
        return None
    # a template's or catalog's schema line anywhere (keys come in any order), as the
    # loaders read the file (a byte-order mark, white space, UTF-16 text)
    tail = b""
    json_like = False
    for chunk in _json_chunks(path):
        json_like = True
        window = tail + chunk
        hit = _KIND_PATTERN.search(window)
        if hit is not None:
            return {b"template": "a Rackscape template",
                    b"catalog": "a Rackscape catalog file"}[hit.group(1)]
        tail = window[-64:]
    if json_like and is_layout_file(path):
        return LAYOUT_KIND
    # a zip archive may have bytes before it (zipfile reads it from its end)
    if not json_like and _is_bundle(path):
        return BUNDLE_KIND
    folder = own_folder(path)
    if folder is not None:
        return f"a file of {folder[0]} ({folder[1]})"
    return None


def own_folder_clash(path: str | os.PathLike) -> str:
    """Return why no output may be written to ``path`` because it is in one of the folders
    Rackscape reads templates and catalog files from (:func:`own_folder`), as the
    ``expected`` of an :class:`InputError`; ``""`` elsewhere.

    Examples
    --------
    >>> from engine.catalog import user_catalog_dir
    >>> own_folder_clash(user_catalog_dir() / "mine.json").startswith(
    ...     f"a file outside the user catalog folder {user_catalog_dir()} (Rackscape reads")
    True
    >>> own_folder_clash("/tmp/hall.pdf")
    ''
    """
    folder = own_folder(path)
    if folder is None:
        return ""
    what, where = folder
    reads = "templates" if "template" in what else "catalog data"
    return (f"a file outside {what} {where} (Rackscape reads the files there as {reads}; "
            "no command writes anything else there, --force or not)")


def layout_output_clash(path: str | os.PathLike) -> str:
    """Return why a layout must not be written to ``path`` (``""`` when it may), as the
    ``expected`` of an :class:`InputError` about the option that named it.

    A layout may replace a layout (``--force`` says so) or a file that is none of
    Rackscape's, never a template, a catalog file or a bundle, and no layout goes into
    the folders Rackscape reads templates and catalog files from (:func:`own_folder`),
    where it would be read as one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.json").write_text('{"schema": "rackscape.template/1", "hall": {}}')
    >>> layout_output_clash(d / "t.json")
    'a layout file name (t.json is a Rackscape template, which a layout cannot replace, --force or not)'
    >>> layout_output_clash(d / "new-hall.json")
    ''
    """
    clash = own_folder_clash(path)
    if clash:
        return clash
    kind = project_file_kind(path)
    if kind is not None and kind != LAYOUT_KIND:
        return (f"a layout file name ({Path(path).name} is {kind}, which a layout cannot "
                "replace, --force or not)")
    return ""


def atomic_write_bytes(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically: temp file in the same folder, fsync, rename.

    The file keeps the permissions of the one it replaces (a new one gets the usual
    ``0o666`` less the umask), not the temp file's private ``0o600``. A symbolic link
    is written through; anything but a regular file is refused (:func:`output_path`).
    """
    path = output_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    mode = file_mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def save_layout(layout: Layout, path: str | os.PathLike) -> None:
    """Save ``layout`` as JSON at ``path`` atomically (never a half-written file)."""
    payload = layout.model_dump_json(indent=1, exclude_defaults=False).encode("utf-8")
    atomic_write_bytes(path, payload)
