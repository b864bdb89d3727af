"""Property editors built from the pydantic fields of the layout model.

Each :class:`FieldEditor` wraps one widget, shows one value (or a blank for a
multi-selection whose values differ) and calls ``on_commit(value)`` once per
user edit with a value already parsed and range-checked against the model's
``Field`` constraints. The inspector turns that call into one
``document.set_field`` (one undo command). During the call ``stepped`` says
whether the edit is a step of a repeated gesture (a spin box's arrow button,
Up/Down or PageUp/PageDown, the wheel over a spin box or a list), whose steps
merge into one undo step, or an entry the user finished (typed and confirmed
with Enter, picked from a list), which is an undo step of its own.
"""

from __future__ import annotations

import math
import re
import types
import typing
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt, MaxLen
from pydantic import BaseModel
from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QRegularExpressionValidator, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from designer.labels import FIELD_LABELS as _LABELS
from designer.labels import none_text

__all__ = ["FieldEditor", "PointEditor", "SpinEditor", "field_label", "make_editor", "field_info", "MIXED",
           "CHOICE_LABELS", "DecimalCommaGuard", "GuardedSpinBox", "GuardedDoubleSpinBox",
           "misplaced_comma", "comma_refusal", "decimal_point_hint"]

MIXED = object()  # marker: the selected objects differ in this field
#: the field's background while a typed entry stands refused (the message strip's tint)
REFUSED_BASE = "#fdecea"


# How the choices of a fixed-choice field read (the model stores the key); the New fabric
# dialog's wording for a fabric's purpose and topology is added by the inspector.
CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "kind": {"column": "Column", "wall": "Wall", "keepout": "Keep-out zone",
             "busway": "Busway", "pdu": "Rack PDU", "rpp": "Remote power panel (RPP)",
             "crah": "CRAH (air)", "cdu": "CDU (liquid)",
             "rear_door": "Rear-door heat exchanger"},
    "placement": {"network_racks": "In the network racks",
                  "member_racks": "Top of rack, in the member racks"},
}

_DECIMALS = {"x_m": 3, "y_m": 3, "width_m": 3, "depth_m": 3, "u_height_m": 5, "power_factor": 3, "pue": 3,
             "continuous_derating": 3, "utilization_factor": 3, "floor_rating_kg_m2": 0,
             "voltage_v": 0, "amps": 0, "flow_lpm": 0, "capacity_kw": 1,
             "air_limit_kw_per_rack": 1, "delta_t_air_k": 1, "delta_t_coolant_k": 1}
_STEPS = {"x_m": 0.1, "y_m": 0.1, "capacity_kw": 10.0, "flow_lpm": 50.0, "voltage_v": 1.0,
          "amps": 10.0, "floor_rating_kg_m2": 50.0, "u_height_m": 0.0001, "pue": 0.01}


#: what 0 stands for in a field where it is no count (a fabric's ports per GPU: the
#: device's own scale-out ports, from the catalog)
_ZERO_TEXT = {"ports_per_gpu": "the catalog's ports"}


def _key(field: str) -> str:
    """Return the label key of a field: without the layout's ``hall.``/``assumptions.``
    or a fabric's ``tiers.N.``."""
    return re.sub(r"^(hall\.|assumptions\.|tiers\.\d+\.|size\.)", "", field)


def field_label(field: str) -> str:
    """Return the form label of a field, with its unit."""
    key = _key(field)
    return _LABELS.get(key, key.rsplit(".", 1)[-1].replace("_", " ").capitalize())


def field_info(model: type[BaseModel], field: str):
    """Return the pydantic ``FieldInfo`` of ``field`` (dotted for nested models)."""
    *head, last = field.split(".")
    for part in head:
        model = model.model_fields[part].annotation
    return model.model_fields[last]


def _unwrap(annotation: Any) -> tuple[Any, bool, list]:
    """Return ``(base type, is optional, extra metadata)`` of an annotation."""
    optional = False
    extra: list = []
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
        origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        for m in meta:
            extra.extend(getattr(m, "metadata", []) or [])
        annotation = base
    return annotation, optional, extra


def _bounds(meta: Sequence[Any]) -> tuple[float | None, bool, float | None]:
    lo: float | None = None
    lo_open = False
    hi: float | None = None
    for m in meta:
        if isinstance(m, Ge):
            lo = float(m.ge)
        elif isinstance(m, Gt):
            lo, lo_open = float(m.gt), True
        elif isinstance(m, Le):
            hi = float(m.le)
        elif isinstance(m, Lt):
            hi = float(m.lt)
    return lo, lo_open, hi


class _EscapeReverts(QObject):
    """Esc in a typed field puts the field back as the model has it and leaves it, as in
    any form: what was typed is dropped, not committed when focus moves on."""

    def __init__(self, editor: FieldEditor, target: QWidget) -> None:
        super().__init__(target)
        self._editor = editor
        target.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape \
                and not event.modifiers():
            self._editor.revert()
            self._editor.widget.clearFocus()
            return True
        return False


class FieldEditor:
    """One property row: a widget, ``set_value`` and the ``on_commit`` callback."""

    def __init__(self, field: str, widget: QWidget) -> None:
        self.field = field
        self.widget = widget
        self.on_commit: Callable[[Any], None] = lambda _v: None
        self.on_error: Callable[[str], None] = lambda _msg: None
        #: called when Esc drops an entry (the panel takes its refusal message down)
        self.on_revert: Callable[[], None] = lambda: None
        self.mixed = False
        #: whether the commit under way is a step of a repeated gesture (see the module)
        self.stepped = False
        self._updating = False
        self._value: Any = None  # what set_value showed last: Esc puts it back
        # a spin box has the focus and hands keys to its line edit: both are watched
        typed = [widget, widget.lineEdit()] if isinstance(widget, QAbstractSpinBox) else \
            [widget] if isinstance(widget, QLineEdit) else []
        self._escape = [_EscapeReverts(self, t) for t in typed]

    def revert(self) -> None:
        """Show the value the model has again, dropping what was typed."""
        self.set_value(self._value)
        mark = getattr(self, "_mark", None)
        if mark is not None:
            mark("")
        self.on_revert()

    def set_value(self, value: Any) -> None:
        """Show ``value`` (or :data:`MIXED` for a blank) without committing."""
        self._value = value
        self._updating = True
        try:
            self.mixed = value is MIXED
            self._show(value)
        finally:
            self._updating = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _commit(self, value: Any, stepped: bool = False) -> None:
        if not self._updating:
            self.mixed = False
            self.stepped = stepped
            try:
                self.on_commit(value)
            finally:
                self.stepped = False


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def misplaced_comma(text: str) -> bool:
    """Whether ``text`` has a comma that is not a thousands separator ("1,5", "12,34").

    >>> [misplaced_comma(t) for t in ("1,5", "1,500", "12,345.5", "1.5", "0,25", "1,50")]
    [True, False, False, False, True, True]
    """
    t = text.strip().replace(" ", "")
    return "," in t and _GROUPED.fullmatch(t) is None


def decimal_point_hint(text: str, is_int: bool) -> str:
    """Return the hint that ends a refused decimal comma's message: ``"; for 1.5 write a
    decimal point"`` for "1,5" in a field that takes fractions, else ``""``.

    Only a lone comma in a number without a point is a decimal comma for sure: "1.234,5"
    (European thousands) has no one-for-one fix, and swapping its comma gave "1.234.5".

    >>> [decimal_point_hint(t, False) for t in ("1,5", "12,50", "1.234,5", "1,2,3")]
    ['; for 1.5 write a decimal point', '; for 12.50 write a decimal point', '', '']
    >>> decimal_point_hint("1,5", True)
    ''
    """
    text = text.strip()
    if is_int or text.count(",") != 1 or "." in text:
        return ""
    return f"; for {text.replace(',', '.')} write a decimal point"


def comma_refusal(label: str, text: str, is_int: bool) -> str:
    """Return why ``text`` is refused for its misplaced comma (``""`` when it has none), in
    the words of the inspector's refusals.

    >>> comma_refusal("Racks", "12,5", True)
    'Racks: expected a whole number, a comma only between thousands (got 12,5)'
    >>> comma_refusal("Speed", "12,5", False)
    'Speed: expected a number, a comma only between thousands (got 12,5; for 12.5 write a decimal point)'
    """
    text = text.strip()
    if not misplaced_comma(text):
        return ""
    kind = "a whole number" if is_int else "a number"
    said = f"expected {kind}, a comma only between thousands (got {text}" \
           f"{decimal_point_hint(text, is_int)})"
    return f"{label}: {said}" if label else said[0].upper() + said[1:]


_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class DecimalCommaGuard:
    """A spin box mixin (put it before the Qt class) that never reads "1,5" as 15.

    Qt takes a comma anywhere for a thousands separator, and its fixup drops it; a comma
    that does not separate thousands leaves the entry unaccepted instead:

    - Enter keeps such an entry in the box and emits ``comma_refused`` with the reason
      (a dialog's default button must not take the value the box had, unannounced);
    - leaving the box puts back the value it had before this entry (not the first
      digits of "12,5", which keyboard tracking has taken by then), and
      :meth:`take_comma_refusal` then says what was put back, until the next entry.

    ``comma_label`` names the box in the messages ("Racks: expected a whole number, …").
    """

    #: why an entry with a misplaced comma was refused when Enter was pressed on it
    comma_refused = Signal(str)
    comma_label = ""
    #: whether Enter on a misplaced comma stays in the box (the inspector's fields let it
    #: through: their Enter puts the value back and says why in the message strip)
    hold_comma_enter = True
    _comma_before = None  # the value before the entry being typed
    _comma_typing = False  # an entry is being typed (from its first key to Enter or leaving)
    _comma_put_back = ""  # the comma entry last put back, until the next entry

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # a plain function, not a method of the box as a slot: PySide looks such a slot
        # up on the box by name when the signal fires, and an inspector field being
        # replaced then raised "Slot not found"
        box = weakref.ref(self)

        def edited(_text: str) -> None:
            b = box()
            if b is not None:
                b._comma_entry_edited()

        self.lineEdit().textEdited.connect(edited)

    def _comma_entry_edited(self) -> None:
        # the line edit says an entry changed before the box reads it (with keyboard
        # tracking), so the value here is still the one before this entry's first key
        if not self._comma_typing:
            self._comma_typing = True
            self._comma_before = self.value()
        self._comma_put_back = ""

    def _comma_entry_done(self) -> None:
        """An entry is finished (Enter, leaving the box) or replaced by a step: the value
        it leaves is the one a later comma entry puts back."""
        self._comma_typing = False
        self._comma_before = self.value()

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._comma_entry_done()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)  # which finishes the entry (Qt's editingFinished)
        self._comma_entry_done()

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        super().stepBy(steps)
        self._comma_entry_done()

    def comma_text(self) -> str:
        """Return the entry in the box when its comma is misplaced (``""`` otherwise)."""
        t = self.cleanText().strip()
        return t if misplaced_comma(t) else ""

    def comma_refusal(self, text: str | None = None) -> str:
        """Return why the entry in the box (or ``text``) is refused for its comma (``""``
        when its commas are thousands separators)."""
        return comma_refusal(self.comma_label, self.comma_text() if text is None else text,
                             isinstance(self, QSpinBox))

    def take_comma_refusal(self) -> str:
        """Return (and forget) why the last comma entry was put back, and what the box
        holds instead (``""`` when none was)."""
        text, self._comma_put_back = self._comma_put_back, ""
        why = self.comma_refusal(text) if text else ""
        return f"{why}; it stays {self.text().strip()}" if why else ""

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        enter = event.key() in _ENTER_KEYS
        if enter and self.hold_comma_enter and self.comma_text():
            event.accept()  # not the dialog's default button either
            self.comma_refused.emit(self.comma_refusal())
            return
        super().keyPressEvent(event)
        if enter:  # Qt's Enter finishes the entry (editingFinished)
            self._comma_entry_done()

    def fixup(self, text: str):  # noqa: D102 - Qt's
        t = text.removesuffix(self.suffix()).removeprefix(self.prefix()).strip()
        if misplaced_comma(t):
            # back to the value before this entry: without keyboard tracking the box still
            # has it; with it, the box took "12" of "12,5" on the way
            before = self.value() if not self.keyboardTracking() else self._comma_before
            if before is None:
                return text
            self._comma_put_back = t
            return self.textFromValue(before)
        return super().fixup(text)

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt's
        if misplaced_comma(text.removesuffix(self.suffix()).removeprefix(self.prefix())):
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)


class GuardedSpinBox(DecimalCommaGuard, QSpinBox):
    """A QSpinBox that refuses a decimal comma rather than read it as thousands."""


class GuardedDoubleSpinBox(DecimalCommaGuard, QDoubleSpinBox):
    """A QDoubleSpinBox that refuses "1,5" rather than read it as 15."""


class _SpinMixin(DecimalCommaGuard):
    """Wheel only with focus (scrolling the form is safe); no stepping from a blank."""

    is_blank = False
    # Enter on "1,5" goes on to Qt, which puts the value back, and the editor says why
    hold_comma_enter = False

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def stepEnabled(self):
        if self.is_blank:
            return QAbstractSpinBox.StepEnabledFlag.StepNone
        return super().stepEnabled()

    def validate(self, text: str, pos: int):
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid:
            # keep every keystroke: Qt's validator would drop a minus, a letter or a digit
            # past the maximum without a word ("-50" became 50); the editor refuses the
            # whole entry when it is finished, and says why
            return QValidator.State.Intermediate, text, pos
        return result


class _Spin(_SpinMixin, QDoubleSpinBox):
    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        # a blank (mixed) field stays blank when Qt re-formats it (on show, on polish)
        return "" if self.is_blank else super().textFromValue(value)


class _IntSpin(_SpinMixin, QSpinBox):
    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt's name
        return "" if self.is_blank else super().textFromValue(value)


_STEP_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
              Qt.Key.Key_Home, Qt.Key.Key_End}


class _Combo(QComboBox):
    """A list that takes the wheel only with focus and knows when a choice is a step
    (wheel, arrow keys) rather than a pick from the open list."""

    stepping = False

    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            self.stepping = True
            try:
                super().wheelEvent(event)
            finally:
                self.stepping = False
        else:
            event.ignore()

    def keyPressEvent(self, event) -> None:
        self.stepping = event.key() in _STEP_KEYS
        try:
            super().keyPressEvent(event)
        finally:
            self.stepping = False


class SpinEditor(FieldEditor):
    """A float or int field with the model's range; optional fields show a 'none' text."""

    def __init__(self, field: str, is_int: bool, lo: float | None, lo_open: bool,
                 hi: float | None, optional: bool) -> None:
        name = field.rsplit(".", 1)[-1]
        decimals = 0 if is_int else _DECIMALS.get(name, 2)
        step = _STEPS.get(name, 1.0 if (is_int or decimals == 0) else 0.1)
        tick = 10.0 ** -decimals
        lo_v = -1.0e9 if lo is None else (lo + tick if lo_open else lo)
        hi_v = 1.0e9 if hi is None else hi
        self.none_value = lo_v - tick if optional else None
        w = _IntSpin() if is_int else _Spin()
        if not is_int:
            w.setDecimals(decimals)
        low = self.none_value if optional else lo_v  # an optional field's None sits below
        w.setRange(int(low) if is_int else low,
                   int(min(hi_v, 2**31 - 1)) if is_int else hi_v)
        w.setSingleStep(int(step) if is_int else step)
        w.setKeyboardTracking(False)
        w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        w.setAlignment(Qt.AlignmentFlag.AlignRight)
        w.setAccelerated(True)
        if optional:
            w.setSpecialValueText(none_text(field))
        elif name in _ZERO_TEXT and lo_v == 0:
            # a field whose 0 means something else than nought says what (the minimum
            # shows the text, as the New fabric dialog's box does)
            w.setSpecialValueText(_ZERO_TEXT[name])
        w.lineEdit().setPlaceholderText("mixed")
        super().__init__(field, w)
        self.is_int = is_int
        self._typed = False
        self._typed_text = ""  # the entry being typed, judged when it is finished
        self._plain: tuple[QPalette, str] | None = None  # the look before a refusal tinted it
        w.lineEdit().textEdited.connect(self._on_typed)
        w.valueChanged.connect(self._on_value)
        w.editingFinished.connect(self._on_finished)

    def _show(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        # what was typed is gone (Esc, a new selection, an edit elsewhere): the focus
        # leaving the field next must not judge it, or a dropped "abc" came back refused
        self._typed = False
        self._typed_text = ""
        w.is_blank = value is MIXED
        if value is MIXED:
            w.lineEdit().clear()
        elif value is None and self.none_value is not None:
            w.setValue(self.none_value)
        elif value is not None:
            w.setValue(value)
        w.blockSignals(False)

    def _on_typed(self, text: str) -> None:
        self._typed = True
        self._typed_text = text
        self.widget.is_blank = False
        self._mark("")

    def _mark(self, why: str) -> None:
        """Tint the field and give it ``why`` as its tooltip while a typed entry stands
        refused (the message strip sits below the form, out of the eye's way); ``""``
        puts the field back as it was."""
        w = self.widget
        if why:
            if self._plain is None:
                self._plain = (QPalette(w.palette()), w.toolTip())
            pal = QPalette(w.palette())
            pal.setColor(QPalette.ColorRole.Base, QColor(REFUSED_BASE))
            w.setPalette(pal)
            w.setToolTip(why)
        elif self._plain is not None:
            w.setPalette(self._plain[0])
            w.setToolTip(self._plain[1])
            self._plain = None

    def is_marked(self) -> bool:
        """Whether the field shows a refused entry."""
        return self._plain is not None

    def parsed(self) -> Any:
        v = self.widget.value()
        if self.none_value is not None and v <= self.none_value + 1e-12:
            return None
        return int(v) if self.is_int else float(v)

    def _on_value(self, _v) -> None:
        self._mark("")
        # a blank (mixed) field commits only what the user typed, never its hidden value
        if not self.mixed or self._typed:
            # without typing, the value came from a step (arrows, keys, wheel)
            typed, self._typed = self._typed, False
            self._commit(self.parsed(), stepped=not typed)

    def _on_finished(self) -> None:
        if self._typed_none():
            return
        refused = self._say_if_refused()
        if not self.mixed:
            return
        if self._typed and self.widget.lineEdit().text().strip() and not refused:
            self._commit(self.parsed())
        else:
            self.set_value(MIXED)

    def _typed_none(self) -> bool:
        """Set an optional field to ``None`` when its none text ("model") was typed, or
        (one item's field) its entry cleared; Qt would put the old number back."""
        w = self.widget
        text = self._typed_text.strip().lower()
        special = w.specialValueText().strip().lower()
        if self.none_value is None or not self._typed or not (
                (special and text == special) or (not text and not self.mixed)):
            return False
        self._typed_text = ""
        self._mark("")
        if self.mixed:
            self._typed = False
            self._commit(None)
        elif self.parsed() is not None:
            w.setValue(self.none_value)  # commits None as typed (_on_value)
        else:
            self._typed = False
            w.setValue(self.none_value)
        return True

    def range_text(self) -> str:
        """Return the accepted range as the error messages show it: ``"0.1 to 100,000"``."""
        w = self.widget
        tick = 1.0 if self.is_int else 10.0 ** -w.decimals()
        lo = w.minimum() if self.none_value is None else self.none_value + tick
        return f"{_num(lo)} to {_num(w.maximum())}"

    def refusal(self, text: str) -> str:
        """Return why a typed entry is refused (``""`` when it is a number in range).

        Examples
        --------
        ``"-50"`` for a capacity gives ``"Capacity (kW): expected 0.1 to 100,000
        (got -50)"``; ``"abc"`` gives ``"... expected a number from 0.1 to 100,000
        (got “abc”)"``.
        """
        w = self.widget
        text = text.strip()
        special = w.specialValueText().strip().lower()
        if not text or (special and text.lower() == special):
            return ""
        label = field_label(self.field)
        kind = "a whole number" if self.is_int else "a number"
        if misplaced_comma(text):
            return (f"{label}: expected {kind} from {self.range_text()}, a comma only "
                    f"between thousands (got {text}{decimal_point_hint(text, self.is_int)})")
        try:
            v = float(text.replace(",", "").replace(" ", ""))
        except ValueError:
            return f"{label}: expected {kind} from {self.range_text()} (got “{text}”)"
        if not math.isfinite(v):
            return f"{label}: expected {kind} from {self.range_text()} (got {text})"
        if v < w.minimum() - 1e-12 or v > w.maximum() + 1e-12:  # minimum: None, if optional
            return f"{label}: expected {self.range_text()} (got {text})"
        if self.is_int and not v.is_integer():
            return f"{label}: expected {kind} from {self.range_text()} (got {text})"
        return ""

    def _say_if_refused(self) -> bool:
        """Say why a typed entry was refused (Qt puts the old value back without a word);
        return whether it was."""
        text = getattr(self, "_typed_text", "")
        self._typed_text = ""
        why = self.refusal(text)
        if why:
            self.on_error(why)  # which clears the tint of an earlier refusal
            self._mark(why)
        elif text.strip():
            # a good entry, though the value it already had (so nothing commits): the
            # refusal of an earlier entry is old news (a commit refused by the document
            # shows the field's value again first, which forgets what was typed)
            self.on_revert()
        return bool(why)


def _num(v: float) -> str:
    return f"{v:,.6g}"


class ComboEditor(FieldEditor):
    """A choice among fixed values (Literal fields, ids of the layout or catalog)."""

    def __init__(self, field: str, choices: Sequence[tuple[str, Any]],
                 tips: Sequence[str] | None = None) -> None:
        w = _Combo()
        w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # long choices ("qm9700 — NVIDIA Quantum-2 ...") must not widen the form past the
        # dock, which pushes every right-aligned number out of sight; the list shows them
        w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(10)
        self.values = [v for _t, v in choices]
        self._tips = list(tips) if tips else [t for t, _v in choices]
        for k, (text, _v) in enumerate(choices):
            w.addItem(text)
            w.setItemData(w.count() - 1, tips[k] if tips else text, Qt.ItemDataRole.ToolTipRole)
        w.view().setMinimumWidth(w.view().sizeHintForColumn(0) + 24)
        # a multi-selection that differs shows no choice (index -1) and says so, as the
        # text fields do; "mixed" is no entry of the list, so it is never written back
        w.setPlaceholderText("mixed")
        super().__init__(field, w)
        w.activated.connect(self._on_activated)

    def _show(self, value: Any) -> None:
        w = self.widget
        if value is MIXED:
            w.setCurrentIndex(-1)
            w.setToolTip("")
            return
        if value not in self.values:  # a value the choices lack (unknown id): show it
            self.values.append(value)
            self._tips.append(str(value))
            w.addItem(f"{value} (unknown)")
        w.setCurrentIndex(self.values.index(value))
        self._tip_current()

    def _tip_current(self) -> None:
        """The whole of the current choice on hover (a narrow dock cuts it), and what the
        layout stores for it when that reads differently."""
        w, k = self.widget, self.widget.currentIndex()
        text = w.currentText()
        tip = self._tips[k] if 0 <= k < len(self._tips) else text
        w.setToolTip(text if tip == text else f"{text}\n{tip}")

    def _on_activated(self, index: int) -> None:
        self._tip_current()
        if 0 <= index < len(self.values):
            self._commit(self.values[index], stepped=self.widget.stepping)


class TextEditor(FieldEditor):
    """A string field; empty means ``None`` when the field is optional."""

    def __init__(self, field: str, optional: bool, max_len: int | None,
                 pattern: str | None) -> None:
        w = QLineEdit()
        if max_len:
            w.setMaxLength(max_len)
        if pattern:
            w.setValidator(QRegularExpressionValidator(QRegularExpression(pattern)))
        super().__init__(field, w)
        self.optional = optional
        self._shown = ""
        w.editingFinished.connect(self._on_finished)

    def _show(self, value: Any) -> None:
        w = self.widget
        w.setPlaceholderText("mixed" if value is MIXED else (
            none_text(self.field) if self.optional else ""))
        self._shown = "" if value is MIXED or value is None else str(value)
        w.setText(self._shown)
        w.setCursorPosition(0)  # a long name shows its beginning

    def _on_finished(self) -> None:
        text = self.widget.text().strip()
        if text == self._shown and not (self.mixed and text):
            return
        if not text and not self.optional:
            self.widget.setText(self._shown)
            return
        self._shown = text
        self._commit(text or None)


class ListEditor(FieldEditor):
    """A list of ids typed comma-separated, checked against the allowed ids."""

    def __init__(self, field: str, allowed: Sequence[str], max_items: int | None,
                 on_error: Callable[[str], None], empty_text: str = "none") -> None:
        w = QLineEdit()
        w.setValidator(QRegularExpressionValidator(
            QRegularExpression(r"^[A-Za-z0-9_.:/+\-, ]*$")))
        w.setToolTip("Comma-separated; known: " + ", ".join(allowed[:40])
                     + (" ..." if len(allowed) > 40 else ""))
        super().__init__(field, w)
        self.allowed = set(allowed)
        self.max_items = max_items
        self.on_error = on_error
        self.empty_text = empty_text
        self._shown = ""
        w.editingFinished.connect(self._on_finished)

    def _show(self, value: Any) -> None:
        self.widget.setPlaceholderText("mixed" if value is MIXED else self.empty_text)
        self._shown = "" if value is MIXED else ", ".join(value or [])
        self.widget.setText(self._shown)
        self.widget.setCursorPosition(0)  # a long list shows its beginning

    def _on_finished(self) -> None:
        text = self.widget.text()
        items = [t.strip() for t in text.split(",") if t.strip()]
        if ", ".join(items) == self._shown and not (self.mixed and items):
            return  # unchanged, or a blank (mixed) field left blank
        unknown = [t for t in items if t not in self.allowed]
        if unknown:
            self.on_error(f"{field_label(self.field)}: unknown id {', '.join(unknown)}")
            self.widget.setText(self._shown)
            return
        if self.max_items is not None and len(items) > self.max_items:
            self.on_error(f"{field_label(self.field)}: at most {self.max_items} ids")
            self.widget.setText(self._shown)
            return
        self._shown = ", ".join(items)
        self._commit(items)


class CheckEditor(FieldEditor):
    """A boolean; a multi-selection that differs shows the partial state."""

    def __init__(self, field: str) -> None:
        w = QCheckBox()
        super().__init__(field, w)
        w.clicked.connect(self._on_clicked)

    def _show(self, value: Any) -> None:
        w = self.widget
        w.setTristate(value is MIXED)
        w.setCheckState(Qt.CheckState.PartiallyChecked if value is MIXED else
                        (Qt.CheckState.Checked if value else Qt.CheckState.Unchecked))

    def _on_clicked(self, checked: bool) -> None:
        self.widget.setTristate(False)
        self._commit(bool(checked))


class PointEditor(FieldEditor):
    """An optional point typed ``x, y`` in metres; empty means ``None`` (``none_text``)."""

    def __init__(self, field: str, none_text: str, limit_m: float,
                 on_error: Callable[[str], None]) -> None:
        # no key is dropped as it is typed: what is typed is checked whole on Enter and
        # refused in words (a validator dropping keys made "1e309, 1" into 1309, 1)
        w = QLineEdit()
        w.setToolTip(f"x, y in metres; empty: {none_text}")
        super().__init__(field, w)
        self.none_text = none_text
        self.limit_m = limit_m
        self.on_error = on_error
        self._shown = ""
        w.editingFinished.connect(self._on_finished)

    def _show(self, value: Any) -> None:
        self.widget.setPlaceholderText("mixed" if value is MIXED else self.none_text)
        self._shown = "" if value is MIXED or value is None else \
            f"{value[0]:.3f}, {value[1]:.3f}"
        self.widget.setText(self._shown)

    def _on_finished(self) -> None:
        text = self.widget.text().strip()
        if text == self._shown and not (self.mixed and text):
            return
        if not text:
            self._shown = ""
            self._commit(None)
            return
        parts = [t.strip() for t in text.split(",")]
        try:
            x, y = (float(t) for t in parts)
        except ValueError:
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            self.on_error(f"{field_label(self.field)}: expected two numbers, x, y in metres "
                          f"(got {text!r})")
            self.widget.setText(self._shown)
            return
        if max(abs(x), abs(y)) > self.limit_m:
            self.on_error(f"{field_label(self.field)}: expected coordinates within "
                          f"±{self.limit_m:g} m")
            self.widget.setText(self._shown)
            return
        self._shown = f"{x:.3f}, {y:.3f}"
        self.widget.setText(self._shown)
        self._commit((x, y))


class ReadOnlyEditor(FieldEditor):
    """A value shown, not edited (ids, catalog models); ``shown(value)`` is how it reads
    (a catalog model's name), the stored value its tooltip."""

    def __init__(self, field: str, shown: Callable[[Any], str] | None = None) -> None:
        w = QLabel()
        w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        w.setWordWrap(True)  # a long model name wraps rather than widening the form
        super().__init__(field, w)
        self.shown = shown

    def _show(self, value: Any) -> None:
        blank = value is MIXED or value is None
        text = "—" if blank else (self.shown(value) if self.shown else str(value))
        self.widget.setText(text)
        self.widget.setToolTip("" if blank or text == str(value) else str(value))


def make_editor(model: type[BaseModel], field: str,
                choice_labels: Mapping[Any, str] | None = None) -> FieldEditor:
    """Build the editor of a model field from its annotation and ``Field`` constraints.

    A fixed-choice field lists its choices as ``choice_labels`` (else
    :data:`CHOICE_LABELS`) words them, the stored value in each tooltip.

    Examples
    --------
    The editor of ``Rack.x_m`` is a spin box over the model's +-100 km range; that of
    ``PowerFeed.kind`` a list reading "Busway", "Rack PDU", ... that stores ``"busway"``.
    """
    fi = field_info(model, field)
    base, optional, extra = _unwrap(fi.annotation)
    meta = list(fi.metadata) + extra
    if typing.get_origin(base) is Literal:
        values = typing.get_args(base)
        labels = choice_labels if choice_labels is not None else \
            CHOICE_LABELS.get(field.rsplit(".", 1)[-1], {})
        return ComboEditor(field, [(labels.get(v, str(v)), v) for v in values],
                           [str(v) for v in values])
    if base is bool:
        return CheckEditor(field)
    if base in (int, float):
        lo, lo_open, hi = _bounds(meta)
        return SpinEditor(field, base is int, lo, lo_open, hi, optional)
    if base is str:
        max_len = next((m.max_length for m in meta if isinstance(m, MaxLen)), None)
        pattern = next((getattr(m, "pattern", None) for m in meta
                        if getattr(m, "pattern", None)), None)
        return TextEditor(field, optional, max_len, pattern)
    return ReadOnlyEditor(field)
