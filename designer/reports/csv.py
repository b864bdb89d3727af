"""CSV tables: one UTF-8 file per report table, plus an index.

Files start with a byte-order mark (``utf-8-sig``): without it Excel reads them
in the system's code page and prints ``kg/mÂ²``; Python reads them back with
``encoding="utf-8-sig"``.

For ``OUT.csv`` every table goes to ``OUT-<table>.csv`` next to it (for
example ``hall-cutsheet.csv``, ``hall-bom.csv``), and ``OUT.csv`` itself is the
index: one row per table with its title, file name, row count and note. The
first line of each file is the header, with units in brackets; numbers are
plain numbers (to 12 significant digits, ``.`` decimal point): a figure a table's rows
hold rounded is written unrounded (:attr:`engine.report_tables.Table.exact`),
so a column re-sums to the analysis's total; an unknown value is empty.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from designer.reports.files import write_all
from engine.report_tables import Table

__all__ = ["write_csv", "csv_paths"]


def csv_paths(path: str | Path, tables: Sequence[Table]) -> dict[str, Path]:
    """Return the file of each table key for the index file ``path``."""
    path = Path(path)
    return {t.key: path.with_name(f"{path.stem}-{t.key}.csv") for t in tables}


def _safe(v: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (``=1+2``, ``@SUM(..)``, ``+x``)
    written with a leading apostrophe, which spreadsheets show as text; numbers, and
    text that reads as one ("-12.5"), stay as they are.

    >>> [_safe(v) for v in ("=1+2", "@A1", "-12.5", "-x", "GPU-0001", 3)]
    ["'=1+2", "'@A1", '-12.5', "'-x", 'GPU-0001', 3]
    """
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(v)
        except ValueError:
            return "'" + v
    return v


def _encode(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([_safe(v) for v in r] for r in rows)
    return buf.getvalue().encode("utf-8-sig")


def write_csv(tables: Sequence[Table], path: str | Path,
              progress: Callable[[float, str], Any] | None = None) -> list[Path]:
    """Write each table as CSV and the index as ``path``; return every file written."""
    files = csv_paths(path, tables)
    payloads: dict[Path, bytes] = {}
    for k, t in enumerate(tables):
        if progress is not None:
            progress(k / max(len(tables), 1), f"CSV: {t.title}")
        rows = [t.headers()]
        columns = [t.exact_column(c.name) if c.name in t.exact else [r[j] for r in t.rows]
                   for j, c in enumerate(t.columns)]
        # a figure that leaves out hardware of unknown power or weight ("≥ 24.8" in the
        # PDF, a format in the XLSX): a column of its own saying which rows are lower bounds
        for name, low in t.at_least.items():
            rows[0].append(f"{t.columns[t.index(name)].header}: lower bound")
            shown = columns[t.index(name)]
            columns.append(["yes" if flag and v is not None else ""
                            for flag, v in zip(low, shown, strict=True)])
        rows.extend(["" if v is None else v for v in r] for r in zip(*columns, strict=True))
        payloads[files[t.key]] = _encode(rows)
    index = [["Table", "Title", "File", "Rows", "Note"]]
    # a file name of bytes no encoding reads (os.fsdecode's surrogates) is listed as the
    # file system shows it, its unreadable bytes as U+FFFD: the index stays UTF-8
    index += [[t.key, t.title, os.fsencode(files[t.key].name).decode("utf-8", "replace"),
               len(t.rows), t.note] for t in tables]
    payloads[Path(path)] = _encode(index)
    # the index and its tables are one report: all of them are replaced, or none
    write_all(payloads)
    return [Path(path), *(files[t.key] for t in tables)]
