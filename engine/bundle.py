"""Template library bundles: export templates as one zip file, import one safely.

A bundle (``*.rsbundle``) is a zip archive holding ``manifest.json`` and one
JSON file per template under ``templates/``. The manifest names the bundle
(``name``, ``version``, ``created``) and lists each template's ``id``,
``version``, ``file`` and ``sha256``; its ``format`` is
``rackscape.bundle/1``.

Import checks everything before it writes anything: the archive's size and
member count, every member's name (no absolute paths, no ``..``, no
backslashes), type (no links, no devices, nothing executable), compression
and declared sizes; that the members are exactly the manifest and the listed
``.json`` templates; each file's SHA-256 against the manifest; and that each
template validates and evaluates at its defaults. Clashes with templates
already in the library are refused (``on_clash="ask"`` raises
:class:`ClashError` listing them) unless the caller says to ``skip``,
``replace`` or ``rename``. Files are staged in a temporary folder inside the
library folder and renamed into place; when a rename fails, the library is
put back as it was. A bad bundle raises :class:`BundleError` (an
:class:`engine.errors.InputError`) naming the bundle, the member and what was
expected, and leaves the library untouched.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> m = export_bundle(["fat-tree"], d / "lib.rsbundle", name="demo", user_dir=None)
>>> [t.id for t in m.templates], m.format
(['fat-tree'], 'rackscape.bundle/1')
>>> try:
...     import_bundle(d / "lib.rsbundle", user_dir=d / "lib")
... except ClashError as e:
...     e.ids
['fat-tree']
>>> import_bundle(d / "lib.rsbundle", on_clash="rename", user_dir=d / "lib").renamed
{'fat-tree': 'fat-tree-2'}
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationError

from engine.catalog import Catalog, default_catalog
from engine.errors import (
    MAX_DATA_FILE_BYTES,
    InputError,
    UserFileModel,
    format_validation_error,
    load_json_file,
    read_bytes_limited,
)
from engine.templates import (
    ParameterError,
    TemplateFile,
    catalog_problem,
    instantiate,
    list_templates,
    no_control_chars,
    read_template_file,
    read_user_library,
    resolve_params,
    user_template_dir,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_SUFFIX",
    "MAX_BUNDLE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_MEMBERS",
    "OnClash",
    "BundleError",
    "ClashError",
    "ManifestEntry",
    "Manifest",
    "BundleContents",
    "ImportResult",
    "export_bundle",
    "read_bundle",
    "import_bundle",
]

BUNDLE_FORMAT = "rackscape.bundle/1"
#: The name a bundle file ends in (any case).
BUNDLE_SUFFIX = ".rsbundle"
#: Largest bundle file accepted (compressed), bytes.
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
#: Largest total of the members' uncompressed sizes, bytes.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: Largest single member (a template or the manifest), bytes.
MAX_MEMBER_BYTES = 2 * 1024 * 1024
#: Most members (files and folders) in one bundle.
MAX_MEMBERS = 500
_MANIFEST = "manifest.json"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644
_ID = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-]+$")
_TITLE_MAX = TemplateFile.model_fields["title"].metadata[0].max_length

OnClash = Literal["ask", "skip", "replace", "rename"]


class BundleError(InputError):
    """A bundle is unreadable, unsafe or invalid; names the bundle, the member and what was expected.

    Examples
    --------
    >>> str(BundleError("lib.rsbundle", "templates/../x.json", "a path inside the bundle"))
    'lib.rsbundle: templates/../x.json: expected a path inside the bundle'
    """

    def __init__(self, bundle: str | os.PathLike | None, member: str, expected: str) -> None:
        self.member = member
        super().__init__(bundle, member, expected)


def _plural(n: int, word: str) -> str:
    """Return ``"1 template"``, ``"3 templates"``."""
    return f"{n} {word}{'s' * (n != 1)}"


class ClashError(BundleError):
    """Templates of the bundle already exist in the library and no ``on_clash`` was chosen.

    ``ids`` lists them all; ``builtin_ids`` those that are built-in templates (the rest
    are the user's own).

    Examples
    --------
    >>> print(ClashError("lib.rsbundle", ["fat-tree", "mine"], ["fat-tree"]).expected)
    ... # doctest: +NORMALIZE_WHITESPACE
    templates whose ids are not taken (1 is a built-in template: fat-tree; 1 is in your
    library: mine); choose --on-clash skip, replace or rename
    """

    def __init__(self, bundle: str | os.PathLike | None, ids: list[str],
                 builtin_ids: list[str] | tuple[str, ...] = ()) -> None:
        self.ids = list(ids)
        self.builtin_ids = [i for i in self.ids if i in set(builtin_ids)]
        user = [i for i in self.ids if i not in set(self.builtin_ids)]

        def shown(ids: list[str]) -> str:
            return ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")

        parts = []
        if self.builtin_ids:
            n = len(self.builtin_ids)
            parts.append(f"{n} {'is a built-in template' if n == 1 else 'are built-in templates'}"
                         f": {shown(self.builtin_ids)}")
        if user:
            parts.append(f"{len(user)} {'is' if len(user) == 1 else 'are'} in your library: "
                         f"{shown(user)}")
        super().__init__(bundle, "templates",
                         f"templates whose ids are not taken ({'; '.join(parts)}); "
                         "choose --on-clash skip, replace or rename")


class _Model(UserFileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManifestEntry(_Model):
    """One template of a bundle: id, version, member file and its SHA-256."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=60)]
    version: str = Field(max_length=20)
    file: str = Field(min_length=1, max_length=300)
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _printable(text: str) -> str:
    """Keep a manifest text with no control characters: a line break or a terminal escape
    in a bundle's name would be echoed raw wherever the name is shown
    (:func:`engine.templates.no_control_chars`)."""
    return no_control_chars(text)


class Manifest(_Model):
    """The ``manifest.json`` of a bundle."""

    format: Literal["rackscape.bundle/1"] = BUNDLE_FORMAT
    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
    version: Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_printable)] \
        = "1.0"
    created: str = Field(max_length=40)
    templates: list[ManifestEntry] = Field(min_length=1, max_length=MAX_MEMBERS - 1)


@dataclass
class BundleContents:
    """A validated bundle: its manifest and templates (with their raw bytes) by id."""

    manifest: Manifest
    templates: dict[str, TemplateFile]
    raw: dict[str, bytes]


@dataclass
class ImportResult:
    """What an import did: ids installed, skipped, replaced and renamed (old -> new)."""

    installed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    #: templates the library already has word for word (under their id, or a renamed
    #: copy's): not installed again, whatever the clash choice; bundle id -> library id
    unchanged: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether the import wrote nothing (every template skipped)."""
        return not (self.installed or self.replaced)

    def summary(self) -> str:
        """Return one line describing the import.

        Examples
        --------
        >>> ImportResult(installed=["a"], skipped=["b"]).summary()
        'installed 1 template (a); skipped 1 template whose id was taken (b)'
        >>> ImportResult(installed=["a-2", "c"], renamed={"a": "a-2"}).summary()
        'installed 2 templates (a-2, c); renamed a -> a-2'
        >>> ImportResult(skipped=["b", "c"]).summary()
        'nothing installed: skipped 2 templates whose ids were taken (b, c)'
        """
        parts = []
        if self.installed:
            parts.append(f"installed {_plural(len(self.installed), 'template')} "
                         f"({', '.join(self.installed)})")
        if self.replaced:
            parts.append(f"replaced {_plural(len(self.replaced), 'template')} "
                         f"({', '.join(self.replaced)})")
        if self.renamed:
            parts.append("renamed " + ", ".join(f"{a} -> {b}" for a, b in self.renamed.items()))
        n = len(self.skipped)
        skipped = (f"skipped {_plural(n, 'template')} whose "
                   f"{'id was' if n == 1 else 'ids were'} taken ({', '.join(self.skipped)})"
                   if n else "")
        k = len(self.unchanged)
        same = (f"{_plural(k, 'template')} already in the library as "
                f"{'it is' if k == 1 else 'they are'} ("
                + ", ".join(a if a == b else f"{a} as {b}" for a, b in self.unchanged.items())
                + ")" if k else "")
        rest = [x for x in (skipped, same) if x]
        if self.is_empty:
            return "nothing installed" + (f": {'; '.join(rest)}" if rest else "")
        return "; ".join(parts + rest)


# -- export ----------------------------------------------------------------------------------

def _template_bytes(t: TemplateFile) -> bytes:
    data = t.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"schema": data.pop("schema"), **data}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _member_name(t: TemplateFile) -> str:
    return f"templates/{t.generation}/{t.id}.json"


def export_bundle(template_ids: list[str], out_path: str | os.PathLike, *,
                  name: str = "rackscape-templates", version: str = "1.0",
                  created: str | None = None,
                  user_dir: Path | None | str = "default") -> Manifest:
    """Write the templates ``template_ids`` (built-in or user) to one bundle file.

    Parameters
    ----------
    template_ids : list of str
        Template ids, in the order the manifest lists them (duplicates dropped).
    out_path : path
        The bundle to write (atomically: a temporary file, then a rename).
    name, version : str
        The bundle's name and version, stored in the manifest.
    created : str, optional
        ISO 8601 time stamp; now (UTC) when not given.
    user_dir : path, None or "default"
        The user library to look in besides the built-in one.

    Returns
    -------
    Manifest

    Raises
    ------
    engine.templates.ParameterError
        For an unknown template id.
    BundleError
        When the bundle would exceed the import limits, or ``out_path`` does not end in
        ``.rsbundle`` (a slip of the name never replaces a template, catalog or layout).
    engine.errors.InputError
        When ``out_path`` cannot be written: a missing folder, a folder, a named pipe.
    """
    from engine.io import atomic_write_bytes, is_layout_file

    if not str(out_path).lower().endswith(BUNDLE_SUFFIX):
        raise BundleError(out_path, "", f"a bundle file name ending in {BUNDLE_SUFFIX}")
    found = {t.id: t for t in list_templates(user_dir=user_dir)}
    ids = list(dict.fromkeys(template_ids))
    if not ids:
        raise ParameterError("expected at least one template id to export")
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ParameterError(f"unknown template{'s' * (len(unknown) != 1)} "
                             f"{', '.join(map(repr, unknown))}; "
                             "`rackscape templates` lists them")
    entries, payloads = [], {}
    for tid in ids:
        t = found[tid]
        raw = _template_bytes(t)
        member = _member_name(t)
        payloads[member] = raw
        entries.append(ManifestEntry(id=t.id, version=t.version, file=member,
                                     sha256=hashlib.sha256(raw).hexdigest()))
    try:
        manifest = Manifest(name=name, version=version, templates=entries,
                            created=created or datetime.now(UTC).replace(microsecond=0)
                            .isoformat())
    except ValidationError as exc:
        fld, expected = format_validation_error(exc)
        raise BundleError(out_path, f"{_MANIFEST}: {fld}", expected) from None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, raw in [(_MANIFEST, (manifest.model_dump_json(indent=2) + "\n").encode())] \
                + list(payloads.items()):
            if len(raw) > MAX_MEMBER_BYTES:
                raise BundleError(out_path, member,
                                  f"a member of at most {MAX_MEMBER_BYTES} bytes")
            info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
            info.external_attr = (stat.S_IFREG | _FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, raw)
    data = buf.getvalue()
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(out_path, "", f"a bundle of at most {MAX_BUNDLE_BYTES} bytes "
                          f"(this one would be {len(data)})")
    if is_layout_file(out_path):
        raise BundleError(out_path, "", "a file that is not a Rackscape layout (the bundle "
                          "would replace the design)")
    atomic_write_bytes(out_path, data)
    return manifest


# -- read and validate -----------------------------------------------------------------------

def _check_name(bundle: Path, name: str) -> None:
    """Refuse member names that are absolute, escape the bundle or are not plain."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") \
            or re.match(r"^[A-Za-z]:", name):
        raise BundleError(bundle, name or "(empty name)", "a relative path inside the bundle")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise BundleError(bundle, name, "a path inside the bundle (no '.', '..' or empty parts)")
    if not all(_SEGMENT.match(p) for p in parts):
        raise BundleError(bundle, name, "a path of letters, digits, '.', '_' and '-'")


def _check_info(bundle: Path, info: zipfile.ZipInfo) -> None:
    mode = (info.external_attr >> 16) & 0xFFFF
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise BundleError(bundle, info.filename, "a regular file (symbolic links are refused)")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise BundleError(bundle, info.filename, "a regular file (links and devices are refused)")
    if not info.is_dir() and mode & 0o111:
        raise BundleError(bundle, info.filename, "a data file (executable members are refused)")
    if info.flag_bits & 0x1:
        raise BundleError(bundle, info.filename, "an unencrypted member")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise BundleError(bundle, info.filename, "a stored or deflated member")
    if info.file_size > MAX_MEMBER_BYTES:
        raise BundleError(bundle, info.filename,
                          f"a member of at most {MAX_MEMBER_BYTES} bytes "
                          f"(declares {info.file_size})")


def _read_member(bundle: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with zf.open(info) as fh:
            raw = fh.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise BundleError(bundle, info.filename, f"a readable member ({exc})") from None
    if len(raw) > MAX_MEMBER_BYTES or len(raw) != info.file_size:
        raise BundleError(bundle, info.filename,
                          f"{info.file_size} bytes as its header declares (read {len(raw)})")
    return raw


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _json(bundle: Path, member: str, raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BundleError(bundle, member, "UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BundleError(bundle, member, f"valid JSON (line {exc.lineno} column {exc.colno}: "
                          f"{exc.msg})") from None
    except ValueError as exc:
        if "digits" in str(exc):  # Python refuses to convert very long integers
            raise BundleError(bundle, member, "valid JSON with numbers of at most 4,300 digits") \
                from None
        raise BundleError(bundle, member, "valid JSON with finite numbers") from None
    except RecursionError:
        raise BundleError(bundle, member, "JSON nested less deeply") from None


def read_bundle(path: str | os.PathLike, catalog: Catalog | None = None) -> BundleContents:
    """Read and validate a bundle completely, writing nothing.

    Raises
    ------
    BundleError
        For the first problem found, naming the member and what was expected.
    """
    bundle = Path(path)
    try:
        st = os.lstat(bundle)
    except OSError as exc:
        raise BundleError(bundle, "", f"a readable bundle file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise BundleError(bundle, "", "a regular bundle file (not a link, folder or device)")
    if st.st_size > MAX_BUNDLE_BYTES:
        raise BundleError(bundle, "", f"a bundle of at most {MAX_BUNDLE_BYTES} bytes "
                          f"(it has {st.st_size})")
    try:  # bounded, and refusing a pipe or device swapped in since the check above
        data = read_bytes_limited(bundle, MAX_BUNDLE_BYTES, "bundle file")
    except InputError as exc:
        raise BundleError(bundle, "", exc.expected) from None
    if not data:
        raise BundleError(bundle, "", "a template bundle (a zip archive), but the file is "
                          "empty (0 bytes)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            ValueError, NotImplementedError, RuntimeError) as exc:
        from engine.io import project_file_kind

        # another of Rackscape's files given by mistake: say what it is
        kind = project_file_kind(bundle)
        raise BundleError(bundle, "", f"a template bundle (a zip archive), but this is {kind}"
                          if kind and "bundle" not in kind else
                          f"a zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BundleError(bundle, "", f"at most {MAX_MEMBERS} members (it has {len(infos)})")
        seen: set[str] = set()
        total = 0
        files: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            _check_name(bundle, info.filename)
            key = info.filename.rstrip("/")
            if key.lower() in seen:
                raise BundleError(bundle, info.filename, "each member name once")
            seen.add(key.lower())
            _check_info(bundle, info)
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise BundleError(bundle, info.filename, f"at most {MAX_UNCOMPRESSED_BYTES} bytes "
                                  "uncompressed in all")
            if not info.is_dir():
                files[info.filename] = info
        if _MANIFEST not in files:
            raise BundleError(bundle, _MANIFEST, "a manifest at the top of the bundle")
        mraw = _read_member(bundle, zf, files[_MANIFEST])
        mdata = _json(bundle, _MANIFEST, mraw)
        try:
            manifest = Manifest.model_validate(mdata)
        except ValidationError as exc:
            fld, expected = format_validation_error(exc)
            raise BundleError(bundle, f"{_MANIFEST}: {fld}", expected) from None
        listed = [e.file for e in manifest.templates]
        ids = [e.id for e in manifest.templates]
        dup_ids = sorted({i for i in ids if ids.count(i) > 1})
        if dup_ids:
            raise BundleError(bundle, f"{_MANIFEST}: templates",
                              f"each id once ({dup_ids[0]!r} is listed twice)")
        dup_files = sorted({f for f in listed if listed.count(f) > 1})
        if dup_files:
            raise BundleError(bundle, f"{_MANIFEST}: templates",
                              f"each file once ({dup_files[0]!r} is listed twice)")
        extra = sorted(set(files) - set(listed) - {_MANIFEST})
        if extra:
            raise BundleError(bundle, extra[0], "only the manifest and the templates it lists")
        templates: dict[str, TemplateFile] = {}
        raws: dict[str, bytes] = {}
        for e in manifest.templates:
            _check_name(bundle, e.file)
            if not e.file.startswith("templates/") or not e.file.endswith(".json"):
                raise BundleError(bundle, e.file, "a .json file under templates/")
            if e.file not in files:
                raise BundleError(bundle, e.file, "a member the manifest lists")
            raw = _read_member(bundle, zf, files[e.file])
            digest = hashlib.sha256(raw).hexdigest()
            if digest != e.sha256:
                raise BundleError(bundle, e.file, f"SHA-256 {e.sha256} as the manifest says "
                                  f"(it is {digest})")
            data_t = _json(bundle, e.file, raw)
            try:
                t = TemplateFile.model_validate(data_t)
            except ValidationError as exc:
                fld, expected = format_validation_error(exc)
                raise BundleError(bundle, f"{e.file}: {fld}", expected) from None
            if t.id != e.id or t.version != e.version:
                raise BundleError(bundle, e.file, f"template {e.id!r} version {e.version} as the "
                                  f"manifest lists (it is {t.id!r} version {t.version})")
            try:
                env = resolve_params(t, {})
                # hardware it names that this catalog lacks (a bundle made with a user
                # catalog this machine does not have): layouts of it could not be read
                problem = catalog_problem(t, catalog or default_catalog(), env)
            except ParameterError as exc:
                raise BundleError(bundle, e.file, f"a template whose defaults evaluate ({exc})") \
                    from None
            if problem:
                raise BundleError(bundle, f"{e.file}: {problem.split(': ', 1)[0]}",
                                  problem.split(": ", 1)[1] + "; add the catalog file that "
                                  "defines it to the user catalog first")
            try:
                # laid out once at its defaults, as `rackscape new` would: a rule naming
                # an unknown value, or a default too large to build, is refused here, not
                # found by the first user of the library
                instantiate(t, {}, catalog=catalog or default_catalog())
            except (ParameterError, InputError, ValueError) as exc:
                said = str(exc).removeprefix(f"template {t.id}: ")
                raise BundleError(bundle, e.file, f"a template that lays out at its defaults "
                                  f"({said})") from None
            templates[t.id] = t
            raws[t.id] = raw
    return BundleContents(manifest=manifest, templates=templates, raw=raws)


# -- import ----------------------------------------------------------------------------------

def _library_files(udir: Path) -> dict[str, Path]:
    """Map template ids to their files in the user library: the file the library uses for
    each template, and for an id only bad files have, the first of them (a bundle's copy
    replaces it rather than sit beside it)."""
    out: dict[str, Path] = {}
    if not udir.is_dir():
        return out
    for path in sorted(udir.glob("**/*.json")):
        rel = path.relative_to(udir).parts
        if path.name == _MANIFEST or any(p.startswith(".") for p in rel):
            continue
        try:  # a regular file only: a pipe named *.json must not stop the import
            data = load_json_file(path, MAX_DATA_FILE_BYTES, "template file")
        except InputError:
            continue
        tid = data.get("id") if isinstance(data, dict) else None
        if isinstance(tid, str) and _ID.match(tid):
            out.setdefault(tid, path)
    out.update(read_user_library(udir).files)
    return out


def _free_id(base: str, taken: set[str]) -> str:
    for k in range(2, 10_000):
        suffix = f"-{k}"
        cand = base[:60 - len(suffix)] + suffix
        if cand not in taken:
            return cand
    raise ParameterError(f"no free id for {base!r}")


def import_bundle(path: str | os.PathLike, on_clash: OnClash = "ask",
                  user_dir: str | os.PathLike | None = None) -> ImportResult:
    """Install a bundle's templates into the user library, all or nothing.

    Parameters
    ----------
    path : path
        The bundle file.
    on_clash : {"ask", "skip", "replace", "rename"}
        What to do with a template whose id is already in the library (built-in
        or user): ``ask`` raises :class:`ClashError` listing them before
        anything is written; ``skip`` keeps the library's; ``replace`` installs
        the bundle's in the file the library reads that id from (a built-in
        one is overridden by the user copy, never changed); ``rename``
        installs it under the first free ``<id>-N``. A template the library
        has no file for goes to ``<library>/<generation>/<id>.json``, where a
        saved selection goes.
    user_dir : path, optional
        The library folder; :func:`engine.templates.user_template_dir` when
        not given.

    Returns
    -------
    ImportResult

    Raises
    ------
    BundleError
        When the bundle is unsafe or invalid (nothing is written).
    ClashError
        With ``on_clash="ask"`` when ids clash (nothing is written).
    """
    if on_clash not in ("ask", "skip", "replace", "rename"):
        raise ParameterError(f"on_clash: expected ask, skip, replace or rename, got {on_clash!r}")
    contents = read_bundle(path)
    udir = Path(user_dir) if user_dir is not None else user_template_dir()
    user_files = _library_files(udir)
    builtin = {t.id for t in list_templates(user_dir=None)}
    existing = builtin | set(user_files)
    # a template the library has word for word is not asked about, nor copied again beside
    # itself by a rename (a replace or a skip leaves the library as it is anyway)
    same = {tid: lid for tid, t in contents.templates.items() if tid in existing
            and on_clash in ("ask", "rename")
            and (lid := _same_in_library(t, user_files)) is not None}
    clashes = [tid for tid in contents.templates if tid in existing and tid not in same]
    if clashes and on_clash == "ask":
        raise ClashError(path, clashes, [tid for tid in clashes if tid in builtin
                                         and tid not in user_files])
    result = ImportResult()
    plan: list[tuple[str, bytes, Path]] = []
    taken = existing | set(contents.templates)
    used_paths: set[Path] = set(user_files.values())
    for tid, t in contents.templates.items():
        raw = contents.raw[tid]
        new_id = tid
        target: Path | None = None
        if tid in same:
            # importing a bundle twice changes nothing: no copy beside the one there
            result.unchanged[tid] = same[tid]
            continue
        if tid in existing:
            if on_clash == "skip":
                result.skipped.append(tid)
                continue
            if on_clash == "replace":
                # the file the library reads that id from, wherever it is: a second
                # file of the id beside it would change nothing the library shows
                target = user_files.get(tid)
                result.replaced.append(tid)
            else:
                new_id = _free_id(tid, taken)
                taken.add(new_id)
                # the title says which copy it is: a library lists templates by title
                suffix = f" ({new_id.rsplit('-', 1)[-1]})"
                title = t.title[:max(1, _TITLE_MAX - len(suffix))] + suffix
                raw = _template_bytes(t.model_copy(update={"id": new_id, "title": title}))
                result.renamed[tid] = new_id
        if target is None:
            # where Save selection as template puts a template of that generation
            target, k = udir / t.generation / f"{new_id}.json", 2
            while target in used_paths or target.exists():
                target, k = udir / t.generation / f"{new_id}-{k}.json", k + 1
            used_paths.add(target)
        plan.append((new_id, raw, target))
        if tid not in result.replaced:
            result.installed.append(new_id)
    if not plan:
        return result
    _install(plan, udir)
    result.files = [p for _, _, p in plan]
    return result


def _same_in_library(t: Any, user_files: dict[str, Path]) -> str | None:
    """Return the id of the user template that is ``t`` word for word (its id, or a renamed
    copy of it, ``<id>-2``, whose title carries the copy's number), else None."""
    def content(x: Any) -> dict:
        return x.model_dump(mode="json", exclude={"id", "title"})

    want = content(t)
    for lid, path in user_files.items():
        if lid != t.id and not re.fullmatch(re.escape(t.id) + r"-\d+", lid):
            continue
        try:
            mine = read_template_file(path)
        except Exception:  # noqa: BLE001 - a bad file in the library is no copy of anything
            continue
        # its own title, or a renamed copy's: the title cut to fit " (2)"
        copy_title = mine.title == t.title or (
            lid != t.id and mine.title.endswith(")")
            and t.title.startswith(mine.title.rsplit(" (", 1)[0]))
        if copy_title and content(mine) == want:
            return lid
    return None


def _install(plan: list[tuple[str, bytes, Path]], udir: Path) -> None:
    """Stage every file in the library folder, then rename them in; undo on failure."""
    udir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".import-", dir=udir))
    moved: list[tuple[Path, Path | None]] = []  # (installed file, backup of what it replaced)
    try:
        staged = []
        for k, (_tid, raw, target) in enumerate(plan):
            p = stage / f"{k}.json"
            with open(p, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((p, target))
        for k, (p, target) in enumerate(staged):
            backup = None
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                backup = stage / f"{k}.previous"
                os.replace(target, backup)
            moved.append((target, backup))
            os.replace(p, target)
    except BaseException:
        for target, backup in reversed(moved):
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink(missing_ok=True)
            except OSError:
                pass  # best effort: the original error below is what the caller needs
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
