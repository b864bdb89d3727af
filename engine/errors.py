"""The one error type for bad user input: file, field path and what was expected.

Examples
--------
>>> str(InputError("hall.json", "racks[3].x_m", "a finite number"))
'hall.json: racks[3].x_m: expected a finite number'
"""

from __future__ import annotations

from os import PathLike

from pydantic import ValidationError

__all__ = ["InputError", "format_validation_error"]


class InputError(ValueError):
    """A file or parameter the user gave is unreadable or invalid."""

    def __init__(self, file: str | PathLike | None, field: str, expected: str) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.expected = expected
        parts = [p for p in (self.file, field) if p]
        super().__init__(": ".join(parts + [f"expected {expected}"]))


def _path_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def format_validation_error(exc: ValidationError) -> tuple[str, str]:
    """Return ``(field_path, expected)`` for the first error of a pydantic error.

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class M(BaseModel):
    ...     x: int
    >>> try:
    ...     M.model_validate({"x": "a"})
    ... except ValidationError as e:
    ...     format_validation_error(e)
    ('x', 'a valid integer, unable to parse string as an integer (got str)')
    """
    err = exc.errors()[0]
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    msg = err.get("msg", "a valid value")
    for prefix in ("Input should be ", "Value error, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    got = err.get("input")
    extra = len(exc.errors()) - 1
    tail = f" (got {type(got).__name__})" if got is not None and err.get("type") != "missing" else ""
    if err.get("type") == "missing":
        msg = "this required field"
    elif err.get("type") == "extra_forbidden":
        msg = "no such field (unknown key)"
    more = f"; {extra} more problem(s)" if extra > 0 else ""
    return _path_str(loc) or "(top level)", f"{msg}{tail}{more}"
