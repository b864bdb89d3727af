"""The one error type for bad user input, and the shared readers of user files.

Every file the user gives (layout, catalog, template) is read by
:func:`read_bytes_limited` / :func:`load_json_file`: only a regular file
(after symbolic links) of at most a given size is read, and only that many
bytes, so a named pipe, a device such as ``/dev/zero`` or a huge file gets one
:class:`InputError` instead of a hang or an exhausted memory. JSON problems
(syntax, nesting, numbers of more digits than Python converts) become one
:class:`InputError` too.

Examples
--------
>>> str(InputError("hall.json", "racks[3].x_m", "a finite number"))
'hall.json: racks[3].x_m: expected a finite number'
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Mapping
from os import PathLike
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["InputError", "UserFileModel", "refuse_bool", "FROM_FILE", "json_typed",
           "looks_like_number", "format_validation_error", "describe_input",
           "MAX_DATA_FILE_BYTES", "read_bytes_limited", "read_text_limited", "parse_json_text",
           "load_json_file", "no_control_chars", "one_line", "as_one_line"]

#: Largest catalog or template file read, bytes (the built-in ones are under 100 kB).
MAX_DATA_FILE_BYTES = 64 * 1024 * 1024


class InputError(ValueError):
    """A file or parameter the user gave is unreadable or invalid."""

    def __init__(self, file: str | PathLike | None, field: str, expected: str,
                 problems: tuple[tuple[str, str], ...] = ()) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.expected = expected
        #: every ``(field, expected)`` of the file when there are several (schema errors)
        self.problems = tuple(problems)
        # an empty file name given (`rackscape analyze ""`) is said as one
        shown = "(an empty file name)" if self.file == "" else self.file
        parts = [p for p in (shown, field) if p]
        super().__init__(": ".join(parts + [f"expected {expected}"]))


def _path_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe_input(value: Any) -> str:
    """Return a short description of a rejected input: its value when short, else what it is.

    A float keeps every digit that tells it from a bound (``60.0000001``, not ``60``).

    Examples
    --------
    >>> [describe_input(v) for v in (1e30, 60.0000001, 10**40, True, None, "x" * 50, [1, 2],
    ...                                 {})]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['1e+30', '60.0000001', 'an integer of 41 digits', 'true', 'null',
     'a text of 50 characters', 'a list of 2 items', 'an object']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            text = f"{value:,}"
        except ValueError:  # an int of more digits than Python converts to text
            return "an integer of more than 4,300 digits"
        return text if len(text) <= 40 else f"an integer of {len(str(abs(value))):,} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 38 else f"a text of {len(value):,} characters"
    if isinstance(value, list | tuple):
        return f"a list of {len(value):,} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_got = describe_input


def _num(x: Any) -> str:
    """Write a bound: ``60``, ``100,000``, ``0.1``, ``1e+30`` (every digit it has)."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else repr(x)


def _count(n: int, noun: str) -> str:
    """``1 character``, ``0 characters``, ``5,000 characters``."""
    return f"{n:,} {noun}{'s' * (n != 1)}"


# pydantic's wording -> what the user should give, from the error's context
_CONSTRAINTS = {
    "greater_than": lambda c: f"a value above {_num(c['gt'])}",
    "greater_than_equal": lambda c: f"a value of at least {_num(c['ge'])}",
    "less_than": lambda c: f"a value below {_num(c['lt'])}",
    "less_than_equal": lambda c: f"a value of at most {_num(c['le'])}",
    "too_long": lambda c: f"at most {_count(c['max_length'], 'item')}",
    "too_short": lambda c: f"at least {_count(c['min_length'], 'item')}",
    "string_too_long": lambda c: f"at most {_count(c['max_length'], 'character')}",
    "string_too_short": lambda c: f"at least {_count(c['min_length'], 'character')}",
}


def _object_words(class_name: str) -> str:
    """Return ", a catalog file" for ``CatalogFile``, ", assumptions" for ``Assumptions``
    (the model's name in words, as a reader says it; "" for none).

    Examples
    --------
    >>> _object_words("CatalogFile"), _object_words("Assumptions"), _object_words("")
    (', a catalog file', ', assumptions', '')
    >>> _object_words("ExplicitLink"), _object_words("Endpoint")
    (', an explicit link', ', an endpoint')
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", class_name).lower().strip()
    if not words:
        return ""
    if words.endswith("s") and not words.endswith("ss"):
        return f", {words}"
    return f", {'an' if words[0] in 'aeiou' else 'a'} {words}"


def format_validation_error(exc: ValidationError,
                            model: type | None = None) -> tuple[str, str]:
    """Return ``(field_path, expected)`` for the first error of a pydantic error.

    With ``model`` (the pydantic class validated), a value that is no number of its
    field's kind (a float where an integer goes, a number too large to be one) says
    the field's range, e.g. ``an integer from 1 to 60 (got 1e+30)``.

    Examples
    --------
    >>> from pydantic import BaseModel, Field
    >>> class M(BaseModel):
    ...     x: int
    ...     ys: list[int] = Field(default=[], max_length=2)
    >>> try:
    ...     M.model_validate({"x": "a"})
    ... except ValidationError as e:
    ...     format_validation_error(e)
    ('x', "an integer (got 'a')")
    >>> try:
    ...     M.model_validate({"x": 1, "ys": [1, 2, 3]})
    ... except ValidationError as e:
    ...     format_validation_error(e)
    ('ys', 'at most 2 items (got 3)')
    """
    errors = exc.errors()
    field, expected = _describe(errors[0], model)
    extra = len(errors) - 1
    return field, expected + (f"; {extra} more problem(s)" if extra > 0 else "")


def validation_problems(exc: ValidationError,
                        model: type | None = None) -> tuple[tuple[str, str], ...]:
    """Return ``(field_path, expected)`` for every error of a pydantic error (``model``
    as for :func:`format_validation_error`).

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class M(BaseModel):
    ...     x: int
    ...     y: float
    >>> try:
    ...     M.model_validate({"x": "a"})
    ... except ValidationError as e:
    ...     [f for f, _ in validation_problems(e)]
    ['x', 'y']
    """
    return tuple(_describe(err, model) for err in exc.errors())


def refuse_bool(value: Any, kind: type = float) -> Any:
    """Pass ``value`` through unless it is ``true``/``false`` where a number of ``kind`` is due.

    pydantic's lax mode reads ``true`` as 1 for an int or float field, so a
    layout with ``"u": true`` would place a device at U1; a user file that says
    true where a number belongs is an error instead.

    Examples
    --------
    >>> refuse_bool(3.5)
    3.5
    >>> try:
    ...     refuse_bool(True, int)
    ... except Exception as e:
    ...     type(e).__name__, e.type
    ('PydanticCustomError', 'int_type')
    """
    if isinstance(value, bool):
        raise PydanticCustomError("int_type" if kind is int else "float_type",
                                  "a number, not true/false")
    return value


#: the validation context of data decoded from a user's JSON file
#: (``Model.model_validate(data, context=FROM_FILE)``): a field typed with
#: :func:`json_typed` then takes its JSON type only, a number and not a number in quotes
FROM_FILE: Mapping[str, Any] = MappingProxyType({"from_file": True})


def _from_file(info: ValidationInfo | None) -> bool:
    context = getattr(info, "context", None)
    return isinstance(context, Mapping) and bool(context.get("from_file"))


def looks_like_number(text: str) -> bool:
    """Return whether ``text`` reads as a finite number (``"3"``, ``" 4.0 "``, ``"1e2"``).

    Examples
    --------
    >>> [looks_like_number(t) for t in ("3", " -4.5 ", "1e2", "4 m", "nan", "")]
    [True, True, True, False, False, False]
    """
    try:
        return math.isfinite(float(text))
    except (ValueError, OverflowError):
        return False


def json_typed(kind: type) -> Callable[[Any, ValidationInfo], Any]:
    """Return a before-validator for a field of ``kind`` (``int``, ``float`` or ``bool``).

    ``true``/``false`` is never a number (see :func:`refuse_bool`). Data read from a
    file (validated with ``context=FROM_FILE``) must also be of the field's JSON type:
    a number for a number (``"u": "3"`` is the text "3", refused, where pydantic's lax
    mode would read 3), ``true``/``false`` for a yes/no field. Values set in Python (an
    edit typed into the designer, ``set_field(..., "capacity_kw", "1350")``) are still
    converted as pydantic does.

    Examples
    --------
    >>> from typing import Annotated
    >>> from pydantic import BeforeValidator
    >>> class M(UserFileModel):
    ...     u: Annotated[int, BeforeValidator(json_typed(int))] = 1
    ...     on: Annotated[bool, BeforeValidator(json_typed(bool))] = False
    >>> M.model_validate({"u": "3", "on": "true"})
    M(u=3, on=True)
    >>> try:
    ...     M.model_validate({"u": "3", "on": 1}, context=FROM_FILE)
    ... except ValidationError as e:
    ...     validation_problems(e, M)
    (('u', "an integer, without quotes (got '3')"), ('on', 'true or false (got 1)'))
    """
    def check(value: Any, info: ValidationInfo) -> Any:
        if kind is bool:
            if not isinstance(value, bool) and _from_file(info):
                quoted = value in ("true", "false")
                raise PydanticCustomError("bool_type", "true or false", {"quoted": quoted})
            return value
        refuse_bool(value, kind)
        if isinstance(value, str) and _from_file(info):
            raise PydanticCustomError("int_type" if kind is int else "float_type",
                                      "a number, not text",
                                      {"quoted": looks_like_number(value)})
        return value

    return check


class UserFileModel(BaseModel):
    """Base of the models read from user files (layouts, catalogs, templates, bundles).

    A field whose type is a number refuses ``true``/``false`` (see :func:`refuse_bool`).

    Examples
    --------
    >>> class M(UserFileModel):
    ...     u: int | None = None
    ...     on: bool = False
    >>> M.model_validate({"on": True}).on
    True
    >>> try:
    ...     M.model_validate({"u": True})
    ... except ValidationError as e:
    ...     format_validation_error(e, M)
    ('u', 'an integer (got true)')
    """

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_bools(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name in cls.model_fields:
            kind, _ = _unwrap(cls.model_fields[info.field_name].annotation)
            if kind in (int, float):
                refuse_bool(value, kind)
        return value


#: pydantic's errors for a value that is no number of the field's kind
_NOT_A_NUMBER = {"int_type": int, "int_parsing": int, "int_from_float": int,
                 "int_parsing_size": int, "float_type": float, "float_parsing": float,
                 "finite_number": float}


def _unwrap(ann: Any) -> tuple[Any, list]:
    """Strip ``Annotated`` and ``X | None`` from a type; return it and the metadata found."""
    meta: list = []
    while True:
        if get_origin(ann) is Annotated:
            base, *extra = get_args(ann)
            for m in extra:
                meta.extend(getattr(m, "metadata", None) or [m])  # a Field(...) or a bound
            ann = base
            continue
        if get_origin(ann) in (Union, UnionType):
            rest = [a for a in get_args(ann) if a is not type(None)]
            if len(rest) == 1:
                ann = rest[0]
                continue
        return ann, meta


def _field_kind(model: type | None, loc: tuple) -> tuple[type, dict[str, float]] | None:
    """Return the number type (``int`` or ``float``) of the field at ``loc`` in ``model``
    and its bounds (``ge``, ``gt``, ``le``, ``lt``); ``None`` when it is not a number field.

    Examples
    --------
    >>> from engine.model import Layout
    >>> _field_kind(Layout, ("racks", 0, "devices", 0, "u"))
    (<class 'int'>, {'ge': 1, 'le': 60})
    >>> _field_kind(Layout, ("hall", "outline", 1, 0))
    (<class 'float'>, {'ge': -100000.0, 'le': 100000.0})
    """
    if model is None:
        return None
    ann: Any = model
    meta: list = []
    try:
        for part in loc:
            ann, _ = _unwrap(ann)
            origin, args = get_origin(ann), get_args(ann)
            if isinstance(part, int):
                if origin in (list, set, frozenset) and args:
                    ann = args[0]
                elif origin is tuple and args:
                    ann = args[0] if args[-1] is Ellipsis else args[part]
                else:
                    return None
                meta = []
            elif isinstance(ann, type) and issubclass(ann, BaseModel) and part in ann.model_fields:
                info = ann.model_fields[part]
                ann, meta = info.annotation, list(info.metadata)
            elif origin is dict and len(args) == 2:
                ann, meta = args[1], []
            else:
                return None
        ann, inner = _unwrap(ann)
    except (IndexError, TypeError):
        return None
    if ann not in (int, float):
        return None
    bounds = {k: getattr(m, k) for m in inner + meta for k in ("ge", "gt", "le", "lt")
              if getattr(m, k, None) is not None}
    return ann, bounds


def _number_text(kind: type, bounds: dict[str, float]) -> str:
    """Say what a number field takes: ``an integer from 1 to 60``, ``a number above 0``.

    Examples
    --------
    >>> _number_text(int, {"ge": 1, "le": 60}), _number_text(float, {"gt": 0, "le": 1e5})
    ('an integer from 1 to 60', 'a number above 0 and at most 100,000')
    """
    what = "an integer" if kind is int else "a finite number"
    if "ge" in bounds and "le" in bounds:
        return f"{what} from {_num(bounds['ge'])} to {_num(bounds['le'])}"
    lower = (f"above {_num(bounds['gt'])}" if "gt" in bounds else
             f"of at least {_num(bounds['ge'])}" if "ge" in bounds else "")
    upper = (f"below {_num(bounds['lt'])}" if "lt" in bounds else
             f"at most {_num(bounds['le'])}" if "le" in bounds else "")
    if lower and upper:
        return f"{what.replace('finite ', '')} {lower} and {upper}"
    if upper:
        return f"{what} {'of ' if upper.startswith('at') else ''}{upper}"
    return f"{what} {lower}".rstrip()


def _describe(err: dict, model: type | None = None) -> tuple[str, str]:
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    got = err.get("input")
    msg = err.get("msg", "a valid value")
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    tail = f" (got {_got(got)})"
    if kind in _NOT_A_NUMBER:
        # what the field takes, not the parser's words ("unable to parse input string as
        # an integer, exceeded maximum size" for 1e30): its kind and range from the model
        found = _field_kind(model, loc)
        msg = _number_text(*found) if found else _number_text(_NOT_A_NUMBER[kind], {})
    elif kind == "missing":
        msg, tail = "this required field", ""
    elif kind == "extra_forbidden":
        msg, tail = "no such field (unknown key)", ""
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        msg = ("letters, digits and . _ : / + - only (no spaces)"
               if pattern == r"^[A-Za-z0-9_.:/+\-]+$" else f"text matching {pattern}")
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = f"an object ({{...}}{_object_words(str(ctx.get('class_name', '')))})"
    elif kind in ("too_long", "too_short") and "actual_length" in ctx:
        msg, tail = _CONSTRAINTS[kind](ctx), f" (got {ctx['actual_length']:,})"
    elif kind in _CONSTRAINTS:
        try:
            msg = _CONSTRAINTS[kind](ctx)
        except (KeyError, TypeError, ValueError):
            pass
        if kind.startswith("string_") and isinstance(got, str):
            tail = f" (got {_count(len(got), 'character')})"
    elif kind in ("value_error", "assertion_error") and (
            "(got " in msg or not isinstance(got, bool | int | float | str)):
        tail = ""  # a model's own check: its message already says what is wrong
    if ctx.get("quoted") is True or (
            kind == "literal_error" and isinstance(got, str) and looks_like_number(got)
            and "'" not in str(ctx.get("expected", "'"))):
        # a number (or true/false) in quotes in a JSON file is text: say what is wrong with it
        msg += ", without quotes"
    if kind in ("value_error", "assertion_error"):
        # a model's check that names the field it is about ("fabrics[0].members: expected
        # ..."): that field is where the problem is, not the model around it
        m = _NAMED_CHECK.match(msg)
        if m:
            inner = m.group(1)
            path = _path_str(loc)
            return (f"{path}.{inner}" if path else inner), m.group(2)
    return _path_str(loc) or "(top level)", f"{msg}{tail}"


_NAMED_CHECK = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*): "
                          r"expected (.+)$", re.S)


def _size_text(n: int) -> str:
    return f"{n // 2**20:,} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n:,} bytes"


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def read_bytes_limited(path: str | PathLike, max_bytes: int, what: str = "file") -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes; :class:`InputError` otherwise.

    Symbolic links are followed; a folder, named pipe, device or socket is
    refused before it is read (reading a pipe would wait for a writer, a
    device such as ``/dev/zero`` never ends). At most ``max_bytes + 1`` bytes
    are read, whatever the file's size claims.

    Parameters
    ----------
    path : path
        The file.
    max_bytes : int
        Largest size accepted.
    what : str
        What the file is, for the message ("layout file", "catalog file").

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a.json").write_bytes(b"{}")
    2
    >>> read_bytes_limited(d / "a.json", 10)
    b'{}'
    >>> try:
    ...     read_bytes_limited(d, 10, "catalog file")
    ... except InputError as e:
    ...     e.expected
    'a regular catalog file (got a folder)'
    """
    def refuse(mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise InputError(path, "", f"a regular {what} (got {kind})")

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            refuse(st.st_mode)
        if st.st_size > max_bytes:
            raise InputError(path, "", f"a {what} under {_size_text(max_bytes)} "
                             f"(it has {st.st_size:,} bytes)")
        # O_NONBLOCK: should the path turn into a pipe after the check, opening it does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                refuse(st.st_mode)
            chunks, size = [], 0
            step = min(st.st_size, max_bytes) + 1  # a file as long as it says: one read
            while size <= max_bytes:
                chunk = os.read(fd, min(step, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                step = 1 << 20  # /proc and the like say 0 bytes: read on in 1 MiB steps
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(path, "", f"a readable {what} ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise InputError(path, "", f"a {what} under {_size_text(max_bytes)}")
    return b"".join(chunks)


def read_text_limited(path: str | PathLike, max_bytes: int, what: str = "file") -> str:
    """Read a regular file of at most ``max_bytes`` bytes as UTF-8 text (see :func:`read_bytes_limited`)."""
    raw = read_bytes_limited(path, max_bytes, what)
    wide = _wide_encoding(raw)
    if wide:
        raise InputError(path, "", f"UTF-8 text (this is {wide} text: save it as UTF-8)")
    try:
        # a byte-order mark (some Windows editors write one) is not content
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "", "UTF-8 text") from None


def _wide_encoding(raw: bytes) -> str | None:
    """Name the encoding of text saved as UTF-16 or UTF-32 (by its byte-order mark, or
    without one by the zero bytes between the letters of its first characters).

    Examples
    --------
    >>> _wide_encoding('{"a": 1}'.encode("utf-16")), _wide_encoding('{"a"}'.encode("utf-16-le"))
    ('UTF-16', 'UTF-16')
    >>> _wide_encoding('{"a": 1}'.encode("utf-32")), _wide_encoding(b'{"a": 1}')
    ('UTF-32', None)
    """
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = raw[:64]
    # zero bytes between plain letters (a binary file has other bytes too)
    if len(head) >= 4 and head.count(0) * 2 >= len(head) - 1 and all(
            b == 0 or 32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "UTF-32" if len(head) >= 8 and head.count(0) * 4 >= 3 * len(head) - 4 \
            else "UTF-16"
    return None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


class _DuplicateKey(ValueError):
    """An object of the JSON text names a key twice (JSON keeps the last silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _v in pairs if k in seen or seen.add(k))
        raise _DuplicateKey(twice)
    return out


_DIGITS = re.compile(r"has (\d+) digits")


def parse_json_text(text: str, path: str | PathLike | None = None, *,
                    allow_constants: bool = True) -> Any:
    """Decode JSON ``text`` read from ``path``; every failure is one :class:`InputError`.

    ``allow_constants=False`` refuses ``NaN`` and ``Infinity``, which are not JSON.

    Examples
    --------
    >>> parse_json_text('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> try:
    ...     parse_json_text('{"x_m": 1, "x_m": 2}', "x.json")
    ... except InputError as e:
    ...     str(e)
    'x.json: x_m: expected each key once in an object (it appears twice; which one is meant?)'
    >>> try:
    ...     parse_json_text('{"n": 1' + '0' * 5000 + '}', "x.json")
    ... except InputError as e:
    ...     str(e)
    'x.json: expected numbers of at most 4,300 digits (one has 5,001)'
    """
    try:
        if allow_constants:
            return json.loads(text, object_pairs_hook=_unique_keys)
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        # the one a reader keeps is a guess: the file says it, rather than lose the other
        raise InputError(path, str(exc), "each key once in an object (it appears twice; "
                         "which one is meant?)") from None
    except json.JSONDecodeError as exc:
        # the parser's words that end "... at" (its position) read "... here" after it
        words = exc.msg[:-3] + " here" if exc.msg.endswith(" at") else exc.msg
        raise InputError(path, f"line {exc.lineno} column {exc.colno}",
                         f"valid JSON ({words})") from None
    except RecursionError:
        raise InputError(path, "", "JSON nested less deeply") from None
    except ValueError as exc:
        text_exc = str(exc)
        if "digits" in text_exc:  # Python refuses to convert very long integers
            m = _DIGITS.search(text_exc)
            one = f" (one has {int(m.group(1)):,})" if m else ""
            raise InputError(path, "", f"numbers of at most {_max_digits():,} digits{one}") \
                from None
        raise InputError(path, "", f"valid JSON numbers ({text_exc})") from None


def _max_digits() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)  # Python 3.11+
    return (get() or 4300) if get else 4300


def load_json_file(path: str | PathLike, max_bytes: int = MAX_DATA_FILE_BYTES,
                   what: str = "file", *, allow_constants: bool = True) -> Any:
    """Read and decode a JSON file the user gave; every failure is one :class:`InputError`.

    A regular file only, of at most ``max_bytes`` bytes, UTF-8, valid JSON
    (see :func:`read_bytes_limited` and :func:`parse_json_text`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.json"
    >>> _ = p.write_text('{"id": "x"}')
    >>> load_json_file(p, what="template file")
    {'id': 'x'}
    """
    return parse_json_text(read_text_limited(path, max_bytes, what), path,
                           allow_constants=allow_constants)


#: the characters that turn text right to left or back, which can make a printed line
#: read other than it is written (U+202A to U+202E, U+2066 to U+2069)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def no_control_chars(text: str, allow: str = "") -> str:
    r"""Keep a text free of control characters but those in ``allow``: a terminal escape
    or a line break in a title or a bundle's name would be printed raw wherever it is
    shown (``rackscape templates``); a description may break lines (``allow="\n\t"``).

    Examples
    --------
    >>> no_control_chars("DGX SuperPOD\nsecond line", allow="\n")
    'DGX SuperPOD\nsecond line'
    >>> no_control_chars("a\x1b[31mred")
    Traceback (most recent call last):
    ...
    ValueError: a text without control characters such as line breaks or escapes (got '\x1b' at character 2)
    """
    bad = next(((i, c) for i, c in enumerate(text) if c not in allow and (
        unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS)), None)
    if bad is not None:
        raise ValueError("a text without control characters such as line breaks or escapes "
                         f"(got {bad[1]!r} at character {bad[0] + 1})")
    return text


def as_one_line(value: Any) -> Any:
    r"""A name as a layout file may hold it, made one line of printable text: each line
    break, tab or other control character a space (a file saved before names were checked
    opens, and a name with a tab reads as it did), runs of spaces kept.

    >>> as_one_line("Hall\tA\nnorth\x1b[0m"), as_one_line(5)
    ('Hall A north [0m', 5)
    """
    if not isinstance(value, str):
        return value
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS
                   else c for c in value)


def one_line(text: str) -> str:
    """A title's or a name's text: one line, no tab, no control character (a pydantic
    after-validator of names and authors).

    >>> one_line("Hall A")
    'Hall A'
    """
    if "\n" in text or "\t" in text:
        raise ValueError("one line of text (got a line break or a tab)")
    return no_control_chars(text)
