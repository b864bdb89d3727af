"""The Excel workbook: one sheet per report table, numbers as numbers, units in headers.

openpyxl (write-only mode) builds the workbook: sheets, styled header rows,
frozen panes, auto filters, column widths and document properties. The data
rows are then streamed into each sheet's XML by :func:`_rows_xml`, a column at
a time, with texts in a shared-strings table (each distinct text once), which
keeps a 300,000-link cut-sheet to a few seconds (openpyxl's own per-cell path
takes several times longer) and the file small. Reading the file back with
openpyxl gives the same values.

Every number is stored to 12 significant digits, unrounded where the table keeps the
figure behind a rounded row (:attr:`engine.report_tables.Table.exact`), so a
column re-sums to the analysis's total; it carries the number format, chosen
from the rounded row, that shows it as the PDF prints it (:func:`number_format`):
``#,##0.0`` for a kW column, ``#,##0.00`` for routed lengths, ``#,##0`` for
counts. A count stays a whole number.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from designer.reports.files import write_bytes
from engine.report_tables import Column, Table

__all__ = ["write_xlsx", "sheet_names", "number_format", "MAX_ROWS_PER_SHEET"]

MAX_ROWS_PER_SHEET = 1_048_575  # Excel's limit below the header row
#: The most decimals a number format is made for; a number with more keeps Excel's General.
MAX_FORMAT_DECIMALS = 15
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _letters(n: int) -> list[str]:
    out = []
    for i in range(1, n + 1):
        s = ""
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """Return unique Excel sheet names (at most 31 characters) for the tables."""
    used: set[str] = {"About"}
    out = []
    for t in tables:
        base = _BAD_SHEET_CHARS.sub(" ", t.title)[:31].strip() or t.key[:31]
        name, k = base, 2
        while name.lower() in {u.lower() for u in used}:
            suffix = f" ({k})"
            name = base[:31 - len(suffix)] + suffix
            k += 1
        used.add(name)
        out.append(name)
    return out


#: the number format's prefix of a lower bound: the cell holds the number, Excel shows "≥ 24.8"
AT_LEAST = '"≥ "'


def _fixed(decimals: int) -> str:
    """Return the number format of ``decimals`` fixed decimals with thousands separators."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def number_format(value: Any, kind: str = "num", digits: int = 1,
                  places: int | None = None) -> str | None:
    """Return the Excel number format that shows ``value`` as the PDF prints it.

    The rules of the PDF's table cells: a count with thousands separators; a
    ``float`` column's number to the column's ``digits``; a number of a mixed
    (``num``) column with the decimals it holds, each row being rounded to the
    decimals it is shown with; a whole number in a column of counts, texts or
    mixed numbers without decimals.

    Parameters
    ----------
    value : int or float
        The number as the table holds it.
    kind : {"int", "float", "num", "str"}
        The column's :attr:`engine.report_tables.Column.kind`.
    digits : int
        The column's decimals (:attr:`engine.report_tables.Column.digits`).
    places : int, optional
        The decimals this row of a mixed column prints with
        (:attr:`engine.report_tables.Table.places`): 2,346.0 kW keeps its decimal.

    Returns
    -------
    str or None
        The format code; ``None`` for what is not a finite number (a text, a
        yes/no, a missing value) and for a number of more than
        :data:`MAX_FORMAT_DECIMALS` decimals, which keep Excel's General.

    Examples
    --------
    >>> number_format(13693.1, "float", 1), number_format(1.0, "float", 2)
    ('#,##0.0', '#,##0.00')
    >>> number_format(24576, "int"), number_format(1.25, "num"), number_format(585.0, "num")
    ('#,##0', '#,##0.00', '#,##0')
    >>> number_format("R01", "str") is None, number_format(True, "int") is None
    (True, True)
    >>> number_format(2346.0, "num", places=1)
    '#,##0.0'
    """
    if type(value) is int:
        return _fixed(0)
    if type(value) is not float or not math.isfinite(value):
        return None
    if places is not None and kind == "num" and 0 <= places <= MAX_FORMAT_DECIMALS:
        return _fixed(places)
    if value.is_integer() and kind in ("int", "str", "num"):
        return _fixed(0)
    if kind != "num":
        return _fixed(digits) if 0 <= digits <= MAX_FORMAT_DECIMALS else None
    decimals = -int(Decimal(repr(value)).as_tuple().exponent)
    return _fixed(decimals) if decimals <= MAX_FORMAT_DECIMALS else None


def _style_ids(ws: Any) -> dict[str, str]:
    """Register every format :func:`number_format` returns with ``ws``'s workbook; return
    each one's cell attribute (`` s="<cellXfs index>"``)."""
    from openpyxl.cell import WriteOnlyCell

    out = {}
    for d in range(MAX_FORMAT_DECIMALS + 1):
        cell = WriteOnlyCell(ws)
        cell.number_format = _fixed(d)
        out[_fixed(d)] = f' s="{cell.style_id}"'
        # a lower bound (Table.at_least): the number, shown "≥ 24.8"
        cell = WriteOnlyCell(ws)
        cell.number_format = AT_LEAST + _fixed(d)
        out[AT_LEAST + _fixed(d)] = f' s="{cell.style_id}"'
    return out


def _styles(values: Sequence[int | float | None], column: Column,
            ids: dict[str, str], places: Sequence[int | None] | None = None) -> list[str]:
    """Return the style attribute (``""`` for none) of each number of ``column``."""
    if places is not None:
        return [ids.get(number_format(v, column.kind, column.digits, d) or "", "")
                for v, d in zip(values, places, strict=True)]
    if column.kind == "float" or set(map(type, values)) <= {int, type(None)}:
        # one format per type: no call per cell on a cut-sheet's 300,000 rows
        by_type = {int: ids[_fixed(0)]}
        if column.kind == "float":
            by_type[float] = ids.get(_fixed(column.digits), "")
        return [by_type.get(type(v), "") for v in values]
    return [ids.get(number_format(v, column.kind, column.digits) or "", "") for v in values]


def _xml_text(s: str) -> str:
    """Escape text for XML, dropping characters XML cannot carry; cut at Excel's cell limit."""
    if not s.isprintable():
        s = _ILLEGAL_XML.sub("", s)
    if "&" in s or "<" in s or ">" in s:
        s = escape(s)
    return s[:32767]


class _Strings:
    """The workbook's shared-strings table: each distinct text is stored once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def ids(self, values: Sequence[str | None]) -> list[int | None]:
        get = self.index.setdefault
        out = [None if not v else get(v, len(self.index)) for v in values]
        self.count += len(out) - out.count(None)
        return out

    def xml(self) -> bytes:
        items = "".join([f'<si><t xml:space="preserve">{_xml_text(v)}</t></si>'
                         for v in self.index])
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                f'"{_NS}" count="{self.count}" uniqueCount="{len(self.index)}">{items}</sst>'
                ).encode()


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _column_cells(letter: str, rnums: range, values: Sequence[Any], column: Column,
                  sst: _Strings, ids: dict[str, str],
                  stored: Sequence[Any] | None = None,
                  places: Sequence[int | None] | None = None) -> list[str]:
    """Return the ``<c>`` elements of one column, by the fastest path its values allow.

    ``values`` are the column's values as the table's rows hold them (rounded), which
    pick each cell's number format; ``stored`` the values the cells store (the
    unrounded figures, :meth:`engine.report_tables.Table.exact_column`), ``values``
    when not given; ``places`` the decimals of each row of a mixed column.
    """
    stored = values if stored is None else stored
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {int, float} and (float not in kinds or np.isfinite(
            np.array([v for v in values if type(v) is float], np.float64)).all()):
        return [f'<c r="{letter}{r}"{s}><v>{v}</v></c>' if v is not None else ""
                for r, v, s in zip(rnums, stored, _styles(values, column, ids, places),
                                   strict=True)]
    if kinds == {str}:
        return [f'<c r="{letter}{r}" t="s"><v>{i}</v></c>' if i is not None else ""
                for r, i in zip(rnums, sst.ids(values), strict=True)]
    out = []
    for k, (r, v, x) in enumerate(zip(rnums, values, stored, strict=True)):
        v = v.item() if hasattr(v, "item") else v  # a numpy scalar
        if v is None or (type(v) is float and not math.isfinite(v)):
            out.append("")
        elif type(v) is bool:
            out.append(f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>')
        elif type(v) in (int, float):
            s = ids.get(number_format(v, column.kind, column.digits,
                                      places[k] if places is not None else None) or "", "")
            x = x.item() if hasattr(x, "item") else x
            out.append(f'<c r="{letter}{r}"{s}><v>{x}</v></c>')
        else:
            i = sst.ids([str(v)])[0]
            out.append(f'<c r="{letter}{r}" t="s"><v>{i}</v></c>' if i is not None else "")
    return out


def _rows_xml(t: Table, start: int, stop: int, first_row: int, letters: list[str],
              sst: _Strings, ids: dict[str, str]) -> str:
    """Return the ``<row>`` elements of rows ``start:stop`` of ``t`` from sheet row
    ``first_row``: each cell formatted from the rounded row, storing the unrounded figure."""
    rows = t.rows[start:stop]
    if not rows:
        return ""
    rnums = range(first_row, first_row + len(rows))
    cols = [_column_cells(L, rnums, [r[j] for r in rows], c, sst, ids,
                          t.exact_column(c.name, start, stop) if c.name in t.exact else None,
                          t.places[c.name][start:stop] if c.name in t.places else None)
            for j, (L, c) in enumerate(zip(letters, t.columns, strict=True))]
    for name, low in t.at_least.items():
        j = t.index(name)
        cols[j] = [_at_least(cell, ids) if flag else cell
                   for cell, flag in zip(cols[j], low[start:stop], strict=True)]
    return "".join([f'<row r="{r}">{"".join(cells)}</row>'
                    for r, cells in zip(rnums, zip(*cols, strict=True), strict=True)])


def _at_least(cell: str, ids: dict[str, str]) -> str:
    """Return a number's ``<c>`` element with its format shown as a lower bound ("≥ 24.8")."""
    if not cell or ' t="' in cell:
        return cell
    for fmt, attr in ids.items():
        if attr and attr in cell and not fmt.startswith(AT_LEAST):
            return cell.replace(attr, ids.get(AT_LEAST + fmt, attr), 1)
    return cell


def _widths(t: Table) -> list[float]:
    step = max(1, len(t.rows) // 300)
    sample = t.rows[::step][:400]
    out = []
    for i, c in enumerate(t.columns):
        longest = max((len(str(r[i])) for r in sample if r[i] is not None), default=0)
        if c.kind in ("float", "num"):
            longest = min(longest, 12)
        head = max(len(w) for w in c.header.split()) if c.header else 4
        out.append(float(min(60, max(6, head + 2, min(longest, 60) + 2, len(c.header) * 0.6))))
    return out


def _chunks(t: Table) -> list[tuple[Table, int]]:
    if len(t.rows) <= MAX_ROWS_PER_SHEET:
        return [(t, 0)]
    n = MAX_ROWS_PER_SHEET
    return [(Table(t.key, t.title, t.columns, t.rows[i:i + n], t.note,
                   {k: v[i:i + n] for k, v in t.exact.items()},
                   {k: v[i:i + n] for k, v in t.places.items()},
                   {k: v[i:i + n] for k, v in t.at_least.items()}), i)
            for i in range(0, len(t.rows), n)]


def write_xlsx(tables: Sequence[Table], path: str | Path, *, title: str = "",
               about: Sequence[tuple[str, Any]] = (),
               progress: Callable[[float, str], Any] | None = None) -> list[str]:
    """Write the tables to an .xlsx workbook; return the sheet names.

    The first sheet, ``About``, lists ``about`` (label, value) pairs and every
    sheet with its row count and note. Each table sheet has a bold, frozen
    header row with units, an auto filter over its rows and fitted column widths.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    parts: list[Table] = []
    for t in tables:
        parts.extend(c for c, _ in _chunks(t))
    names = sheet_names(parts)
    wb = openpyxl.Workbook(write_only=True)
    # a name may hold characters a workbook cannot (an escape sequence pasted into it)
    title = _ILLEGAL_XML.sub("", title)[:255]
    wb.properties.title = title or "Rackscape report"
    wb.properties.creator = "Rackscape"
    head_font = Font(bold=True, color="1D2733")
    head_fill = PatternFill("solid", fgColor="E4EBF1")
    head_align = Alignment(wrap_text=True, vertical="bottom")
    head_border = Border(bottom=Side(style="thin", color="1D2733"))

    def text(ws, v: Any):
        """A cell of ``v``; a string stays text even where it starts with "=" (a design
        named "=Phase 2" would otherwise be written as a formula); characters a workbook
        cannot hold are left out, as the tables' cells leave them out."""
        if isinstance(v, str):
            v = _ILLEGAL_XML.sub("", v)[:32767]
        c = WriteOnlyCell(ws, value=v)
        if isinstance(v, str) and v.startswith("="):
            c.data_type = "s"
        return c

    def header(ws, values: Sequence[str]) -> list:
        cells = []
        for v in values:
            c = text(ws, v)
            c.font, c.fill, c.alignment, c.border = head_font, head_fill, head_align, head_border
            cells.append(c)
        return cells

    about_ws = wb.create_sheet("About")
    about_ws.column_dimensions["A"].width = 28
    about_ws.column_dimensions["B"].width = 44
    about_ws.column_dimensions["C"].width = 10
    about_ws.column_dimensions["D"].width = 90
    about_rows: list[tuple] = [("Rackscape report", title), *about,
                               ("Written", _dt.datetime.now().isoformat(timespec="seconds")), ("", "")]
    for row in about_rows:
        about_ws.append([text(about_ws, v) for v in row])
    about_ws.append(header(about_ws, ["Sheet", "Title", "Rows", "Note"]))
    for name, t in zip(names, parts, strict=True):
        count = WriteOnlyCell(about_ws, value=len(t.rows))
        count.number_format = _fixed(0)
        about_ws.append([text(about_ws, name), text(about_ws, t.title), count,
                         text(about_ws, t.note)])
    ids = _style_ids(about_ws)

    lettered: list[tuple[str, Table, list[str]]] = []
    for name, t in zip(names, parts, strict=True):
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        letters = _letters(len(t.columns))
        for letter, w in zip(letters, _widths(t), strict=True):
            ws.column_dimensions[letter].width = w
        last = get_column_letter(len(t.columns))
        ws.auto_filter.ref = f"A1:{last}{len(t.rows) + 1}"
        # printed: landscape, the columns fitted to the page width, the header row on
        # every page, the sheet's name and page number at the foot
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = "&A, page &P of &N"
        ws.append(header(ws, t.headers()))
        lettered.append((name, t, letters))
    shell = io.BytesIO()
    wb.save(shell)

    total = sum(len(t.rows) for t in parts) or 1
    done = 0
    sst = _Strings()
    out = io.BytesIO()
    with zipfile.ZipFile(shell) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                        compresslevel=4) as zout:
        late: dict[str, bytes] = {}
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                late[info.filename] = data  # written after the shared strings are known
                continue
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            k = int(m.group(1)) - 2 if m else -1  # sheet1 is About
            if k < 0:
                zout.writestr(info, data)
                continue
            name, t, letters = lettered[k]
            xml = data.decode("utf-8")
            head, tail = xml.split("</sheetData>", 1)
            dim = f'<dimension ref="A1:{letters[-1]}{len(t.rows) + 1}"/>'
            head = head.replace("<sheetViews>", dim + "<sheetViews>", 1)
            with zout.open(info.filename, "w") as fh:  # the archive's compression level
                fh.write(head.encode("utf-8"))
                for lo in range(0, len(t.rows), 5000):
                    fh.write(_rows_xml(t, lo, lo + 5000, lo + 2, letters, sst,
                                       ids).encode("utf-8"))
                    done += min(5000, len(t.rows) - lo)
                    if progress is not None:
                        progress(done / total, f"Sheet {name}")
                fh.write(("</sheetData>" + tail).encode("utf-8"))
        zout.writestr("xl/sharedStrings.xml", sst.xml())
        types = late["[Content_Types].xml"].decode("utf-8")
        if "sharedStrings" not in types:
            types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                                  'ContentType="application/vnd.openxmlformats-officedocument.'
                                  'spreadsheetml.sharedStrings+xml"/></Types>')
        rels = late["xl/_rels/workbook.xml.rels"].decode("utf-8")
        if "sharedStrings" not in rels:
            rels = rels.replace("</Relationships>", '<Relationship Id="rIdSharedStrings" '
                                'Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                                'relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                "</Relationships>")
        zout.writestr("[Content_Types].xml", types.encode("utf-8"))
        zout.writestr("xl/_rels/workbook.xml.rels", rels.encode("utf-8"))
    write_bytes(path, out.getvalue())
    return ["About", *names]
