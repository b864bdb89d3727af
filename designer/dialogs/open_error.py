"""Why a layout file does not open, worded for a dialog: every problem, with its place.

The engine's :class:`InputError` reads as one line: the first problem of a
file and a count of the rest; it also carries every problem of a schema
error (``problems``), which the dialog lists in its details.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import InputError

__all__ = ["open_error_text", "open_error_problems", "show_open_error"]


def open_error_problems(exc: InputError) -> list[str]:
    """Return every problem of a file the schema refused, as ``field: expected ...`` lines
    (empty when the error has one problem).

    Examples
    --------
    >>> open_error_problems(InputError("a.json", "x", "an integer",
    ...                                problems=(("x", "an integer"), ("y", "a list"))))
    ['x: expected an integer', 'y: expected a list']
    """
    return [f"{field}: expected {expected}" for field, expected in exc.problems]


def open_error_text(exc: InputError) -> str:
    """Return the error as a whole sentence.

    Examples
    --------
    >>> open_error_text(InputError("/t/a.json", "line 3 column 6",
    ...                            "valid JSON (Unterminated string starting here)"))
    'a.json is not valid JSON: Unterminated string starting at line 3 column 6.'
    >>> open_error_text(InputError("/t/a.json", "line 1 column 2",
    ...                            "valid JSON (Expecting value)"))
    'a.json is not valid JSON: Expecting value at line 1 column 2.'
    >>> open_error_text(InputError("/t/a.json", "hall", "this required field"))
    '/t/a.json: hall: expected this required field'
    """
    name = Path(exc.file).name if exc.file else "The file"
    field, expected = exc.field or "", exc.expected or ""
    if field.startswith("line ") and expected.startswith("valid JSON (") \
            and expected.endswith(")"):
        words = expected[len("valid JSON ("):-1].rstrip().removesuffix(" here")
        return f"{name} is not valid JSON: {words} at {field}."
    problems = open_error_problems(exc)
    if len(problems) > 1:
        return f"{exc.file} is not a valid layout ({len(problems)} problems):"
    return str(exc)


def show_open_error(parent: QWidget | None, exc: InputError) -> QMessageBox:
    """Show why a file does not open: the sentence, and every problem in the details."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open layout", open_error_text(exc),
                      QMessageBox.StandardButton.Ok, parent)
    problems = open_error_problems(exc)
    if len(problems) > 1:
        box.setInformativeText("\n".join(problems[:8])
                               + (f"\n… and {len(problems) - 8} more (Show Details)"
                                  if len(problems) > 8 else ""))
        box.setDetailedText("\n".join(problems))
    if exc.file:
        box.setToolTip(exc.file)
    box.exec()
    return box
