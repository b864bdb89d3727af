"""Pieces of the New from template dialog: number boxes that keep what was typed, the
range check that says what a parameter takes, and the description as readable text.

A spin box refuses a keystroke that would leave its range, so "20" typed into a box
of 1 to 16 stays "2" and the form quietly means another number. The boxes here take
any number typed; their arrows, wheel and Page keys still stop at the parameter's
range, and :func:`param_refusal` says what is wrong with a number outside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QSpinBox,
    QStyle,
    QTextBrowser,
    QToolTip,
    QWidget,
)

from designer.panels.editors import DecimalCommaGuard

__all__ = ["ParamSpinBox", "ParamDoubleSpinBox", "form_message", "param_refusal", "range_text",
           "split_sentences", "description_html", "DescriptionView"]

_MUTED = "#5f6368"
#: Words ending in a full stop that do not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "al.", "fig.", "no.")
_REFS = re.compile(r"(?:\[(S\d+[a-z]?)\])+")
_REF = re.compile(r"\[(S\d+[a-z]?)\]")


def _num(v: float) -> str:
    return f"{v:,.6g}"


def range_text(p: Any) -> str:
    """Return a number parameter's range as messages show it (``"1 to 16"``, ``"4 or more"``)."""
    if p.min is not None and p.max is not None:
        return f"{_num(p.min)} to {_num(p.max)}"
    if p.min is not None:
        return f"{_num(p.min)} or more"
    if p.max is not None:
        return f"at most {_num(p.max)}"
    return "any number"


def form_message(text: str, template: Any, label: Callable[[str], str]) -> str:
    """Return an engine message about ``template``'s parameters in the form's words: without
    the ``"template <id>: "`` and ``"parameter "`` prefixes the form does not need, and a
    parameter named by its form label (``label(name)``) rather than its internal name.

    Examples
    --------
    >>> from engine.templates import get_template
    >>> t = get_template("fat-tree", user_dir=None)
    >>> label = {"link_speed_gbps": "Link speed (Gb/s)"}.get
    >>> form_message("template fat-tree: link_speed_gbps: faster than the NICs", t, label)
    'Link speed (Gb/s): faster than the NICs'
    >>> form_message("parameter link_speed_gbps: expected one of 100, 400, 800, got '1'", t,
    ...              label)
    "Link speed (Gb/s): expected one of 100, 400, 800, got '1'"
    """
    msg = text.strip()
    msg = msg.removeprefix(f"template {template.id}: ").removeprefix("parameter ")
    name, sep, rest = msg.partition(": ")
    if sep and name in {p.name for p in template.parameters}:
        msg = f"{label(name) or name}: {rest}"
    return msg


def param_refusal(label: str, p: Any, value: float) -> str:
    """Return why ``value`` does not suit number parameter ``p`` ("" when it does), in the
    inspector's words.

    Examples
    --------
    >>> from engine.templates import Parameter
    >>> su = Parameter(name="scalable_units", type="int", default=4, min=1, max=16)
    >>> param_refusal("Scalable units", su, 20)
    'Scalable units: expected 1 to 16 (got 20)'
    >>> k = Parameter(name="k", type="int", default=8, min=4, max=64, even=True)
    >>> param_refusal("k", k, 5), param_refusal("k", k, 6)
    ('k: expected an even number from 4 to 64 (got 5)', '')
    """
    got = _num(value)
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        return f"{label}: expected {range_text(p)} (got {got})"
    if p.even and float(value).is_integer() and int(value) % 2:
        return f"{label}: expected an even number from {range_text(p)} (got {got})"
    return ""


class _SoftRange:
    """Steps stop at the parameter's range (``soft_min``/``soft_max``); typing does not."""

    soft_min: float | None = None
    soft_max: float | None = None

    def _clamped(self, v: float) -> float:
        if self.soft_min is not None:
            v = max(v, self.soft_min)
        if self.soft_max is not None:
            v = min(v, self.soft_max)
        return v

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        self.setValue(self._clamped(self.value() + steps * self.singleStep()))
        self.selectAll()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:  # noqa: N802 - Qt's name
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        v = self.value()
        if self.soft_max is None or v < self.soft_max:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.soft_min is None or v > self.soft_min:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def _soft_hint(self, hint: QSize) -> QSize:
        # as wide as the parameter's own bounds need, not the box's wide typing range
        shown = [self.textFromValue(v) for v in (self.soft_min, self.soft_max) if v is not None]
        if not shown:
            return hint
        fm = self.fontMetrics()
        text = max(fm.horizontalAdvance(s + " ") for s in shown)
        buttons = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 22
        return QSize(min(hint.width(), max(90, text + buttons)), hint.height())


class ParamSpinBox(DecimalCommaGuard, _SoftRange, QSpinBox):
    """A whole-number parameter: any whole number may be typed, steps stay in range."""

    def __init__(self, soft_min: float | None, soft_max: float | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.soft_min = None if soft_min is None else int(soft_min)
        self.soft_max = None if soft_max is None else int(soft_max)
        self.setRange(-(10**9) + 1, 10**9 - 1)

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt's
        # a decimal point typed stays in the field (Qt dropped the key: "1.5" read 15), and
        # the form refuses the number in words (:meth:`fraction`)
        if re.fullmatch(r"\s*-?\d*\.\d*\s*", text.removesuffix(self.suffix())):
            return (QValidator.State.Intermediate, text, pos)
        return super().validate(text, pos)

    def fraction(self) -> str:
        """Return the number typed when it is not whole ("" when it is)."""
        t = self.cleanText().strip()
        return t if re.fullmatch(r"-?\d*\.\d*", t) and t not in (".", "-.") else ""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._soft_hint(super().sizeHint())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._soft_hint(super().minimumSizeHint())


class ParamDoubleSpinBox(DecimalCommaGuard, _SoftRange, QDoubleSpinBox):
    """A number parameter: any number may be typed, steps stay in range."""

    def __init__(self, soft_min: float | None, soft_max: float | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.soft_min, self.soft_max = soft_min, soft_max
        self.setDecimals(3)
        self.setRange(-1e12, 1e12)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._soft_hint(super().sizeHint())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._soft_hint(super().minimumSizeHint())


def split_sentences(text: str) -> list[str]:
    """Split a description into sentences (a full stop, then a space and a capital, a
    digit or an opening bracket; never after "e.g." and the like).

    Examples
    --------
    >>> split_sentences("Racks of 1.2 MW, e.g. GB200 [S06]. Each rack: 72 GPUs. (E) estimate.")
    ['Racks of 1.2 MW, e.g. GB200 [S06].', 'Each rack: 72 GPUs.', '(E) estimate.']
    """
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z0-9(\[“\"'])", text):
        before = text[start:m.start()]
        last = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
        if last in _ABBREVIATIONS:
            continue
        out.append(before.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _source_title(title: str) -> tuple[str, str]:
    """Split a source's title into its words and its address (``""`` when it has none)."""
    head, sep, url = title.rpartition(", http")
    return (head, "http" + url) if sep else (title, "")


def description_html(text: str, sources: list[str], titles: dict[str, str]) -> str:
    """Return a template's description as HTML: a paragraph per sentence, its ``[Sxx]``
    references as small linked marks, then the sources one per line.

    ``sources`` are the template's source keys (or free-text citations); ``titles``
    gives the title of each key the catalog knows.

    Examples
    --------
    >>> h = description_html("One [S04][S13]. Two.", ["S04"], {"S04": "A guide, https://x"})
    >>> h.count("<p"), "href='#src-S04'" in h, "<a href='https://x'>A guide</a>" in h
    (4, True, True)
    """
    def refs(m: re.Match) -> str:
        keys = _REF.findall(m.group(0))
        marks = ", ".join(f"<a href='#src-{k}' style='color:{_MUTED}; text-decoration:none'>"
                          f"{k}</a>" for k in keys)
        return f"<span style='font-size:small; color:{_MUTED}'>[{marks}]</span>"

    paras = []
    for sentence in split_sentences(text):
        # a line break the author wrote stays one
        body = _REFS.sub(refs, html.escape(sentence, quote=False)).replace("\n", "<br>")
        paras.append(f"<p style='margin:0 0 6px 0'>{body}</p>")
    if sources:
        lines = []
        for key in sources:
            head, url = _source_title(titles.get(key, ""))
            if key not in titles:  # a citation written out in the template itself
                head, url = _source_title(key)
            # the title links to the source's address (shown on hover), not the address
            text = (f"<a href='{html.escape(url, quote=True)}'>{html.escape(head)}</a>" if url
                    else html.escape(head))
            lines.append(f"<a name='src-{key}'></a><b>{html.escape(key)}</b> {text}"
                         if key in titles else text)
        paras.append(f"<p style='margin:8px 0 2px 0; color:{_MUTED}'><b>Sources</b></p>"
                     f"<p style='margin:0; color:{_MUTED}; font-size:11px'>"
                     + "<br>".join(lines) + "</p>")
    return "".join(paras)


class DescriptionView(QTextBrowser):
    """A template's description: scrolls when long; a reference mark names its source on
    hover and shows it in the list below on a click; web addresses open in the browser.

    One Tab stop: its links answer the mouse only. A browser's Tab walks from link to
    link, and a description with twenty references kept the keyboard from the form and
    the Create button for twenty key presses (each mark's source is listed below the text).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.setTabChangesFocus(True)
        self.setOpenExternalLinks(True)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.viewport().setAutoFillBackground(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.titles: dict[str, str] = {}

    def show_description(self, text: str, sources: list[str], titles: dict[str, str]) -> None:
        """Show ``text`` and its ``sources`` (see :func:`description_html`)."""
        self.titles = dict(titles)
        self.setHtml(description_html(text, sources, titles) if text or sources
                     else "<p>(no description)</p>")

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            href = self.anchorAt(self.viewport().mapFromGlobal(event.globalPos()))
            key = href[len("#src-"):] if href.startswith("#src-") else ""
            if key in self.titles:
                QToolTip.showText(event.globalPos(), f"[{key}] {self.titles[key]}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
