"""Undo commands: each swaps the document between two absolute layouts.

A command stores the layout before and after the edit (immutable values that
share every unchanged item), never canvas items. Its text reads like a
sentence: "Move 4 racks", "Set CDU-2 capacity to 1350 kW". Commands that come
from a repeated gesture (arrow-key nudges, a spin box's arrows, wheel steps)
carry a ``merge_key`` and merge with the previous command of the same key
pushed within :data:`MERGE_WINDOW_S`, so one gesture is one undo step. An edit
the user finished on purpose (a value typed and confirmed with Enter, a choice
picked from a list) carries none: two of them are two undo steps however
quickly they follow each other.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from PySide6.QtGui import QUndoCommand

from designer.labels import FIELD_LABELS
from engine.model import Layout

if TYPE_CHECKING:
    from designer.document import LayoutDocument

__all__ = ["LayoutCommand", "MERGE_WINDOW_S", "field_label", "format_value", "noun"]

MERGE_WINDOW_S = 1.5
_MERGE_ID = 4242

_UNITS = [("_kg_m2", "kg/m²"), ("_lpm", "L/min"), ("_kw", "kW"), ("_deg", "°"),
          ("_cfm", "CFM"), ("_m2", "m²"), ("_mm", "mm"), ("_m", "m"), ("_v", "V"),
          ("_k", "K"), ("_w", "W"), ("_gbps", "Gb/s")]
# fields whose name is not the word the forms use ("Set compute link speed to 800 Gb/s")
_WORDS = {"nic_speed": "link speed"}
# form labels that do not read in a sentence ("Set CRAH-11 air return to 3, 4")
_SENTENCE = {"return_xy_m": "air return", "switch": "switch"}
_NOUNS = {"racks": ("rack", "racks"), "cooling": ("unit", "units"), "feeds": ("feed", "feeds"),
          "trays": ("tray", "trays"), "obstacles": ("obstacle", "obstacles"),
          "fabrics": ("fabric", "fabrics"), "links": ("link", "links")}


#: the past tense of the verbs undo texts start with (a status note says what was done)
_DONE = {"Add": "Added", "Align": "Aligned", "Delete": "Deleted", "Distribute": "Distributed",
         "Draw": "Drew", "Duplicate": "Duplicated", "Install": "Installed", "Link": "Linked",
         "Move": "Moved", "Paste": "Pasted", "Remove": "Removed", "Reshape": "Reshaped",
         "Rotate": "Rotated", "Swap": "Swapped", "Turn": "Turned"}


def done_text(text: str) -> str:
    """Return an undo text as a note of what was done: its first verb in the past tense.

    Examples
    --------
    >>> done_text("Delete 33 items"), done_text("Set capacity of CRAH-1 to 250 kW")
    ('Deleted 33 items', 'Set capacity of CRAH-1 to 250 kW')
    """
    verb, sep, rest = text.partition(" ")
    return _DONE.get(verb, verb) + sep + rest


def field_label(field: str) -> tuple[str, str]:
    """Return ``(label, unit)`` for a field name: ``capacity_kw`` -> ``("capacity", "kW")``.

    Examples
    --------
    >>> field_label("capacity_kw"), field_label("assumptions.air_limit_kw_per_rack")
    (('capacity', 'kW'), ('air limit per rack', 'kW'))
    """
    parts = field.split(".")
    name = parts[-1]
    # a link's ends: "Set L-1 A end rack to R02", not "Set L-1 rack to R02"
    end = f"{parts[-2].upper()} end " if len(parts) > 1 and parts[-2] in ("a", "b") else ""
    if name in ("a", "b") and len(parts) == 1:
        return f"{name.upper()} end", ""
    key = re.sub(r"^(hall\.|assumptions\.|tiers\.\d+\.)", "", field)
    if not end and key in FIELD_LABELS and key not in _WORDS:
        return _form_words(key, FIELD_LABELS[key])
    unit = ""
    for suffix, u in _UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], u
            break
        # a unit inside the name: air_limit_kw_per_rack -> "air limit per rack", kW
        infix = suffix + "_per_"
        if infix in name:
            head, tail = name.split(infix, 1)
            name, unit = f"{head}_per_{tail}", u
            break
    return end + _WORDS.get(name, name.replace("_", " ")), unit


def _suffix_unit(name: str) -> str:
    return next((u for suffix, u in _UNITS if name.endswith(suffix) and len(name) > len(suffix)),
                "")


def _form_words(key: str, label: str) -> tuple[str, str]:
    """Return ``(words, unit)`` of a form label for a sentence: "Coolant ΔT (K)" ->
    ("coolant ΔT", "K"), "PUE override" as it is, "Rack (rear door)" -> "rack (rear door)".

    Examples
    --------
    >>> _form_words("amps", "Current (A)"), _form_words("pue", "PUE override")
    (('current', 'A'), ('PUE override', ''))
    """
    key = key.rsplit(".", 1)[-1]
    if key in _SENTENCE:
        return _SENTENCE[key], _suffix_unit(key)
    unit = _suffix_unit(key)
    m = re.match(r"^(.*) \(([^()]*)\)$", label)
    # a bracket that is the unit ("(kW)", "(A)") goes after the value, others stay
    if m and (m.group(2) == unit or (not unit and " " not in m.group(2))):
        label, unit = m.group(1), m.group(2)
    first = label.split(" ", 1)[0]
    if not (first.isupper() or first[:2].isupper()):
        label = label[0].lower() + label[1:]
    return label, unit


def format_value(value: Any, unit: str = "") -> str:
    """Return a short display form of a field value with its unit."""
    if isinstance(value, BaseModel):  # a link's end: "rack R02, u 12"
        return ", ".join(f"{k} {format_value(v)}" for k, v in value.model_dump().items()
                         if v is not None)
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return f"{len(value)} " + ("tier" if len(value) == 1 else "tiers")
    if isinstance(value, bool) or value is None:
        text = {True: "on", False: "off", None: "none"}[value]
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value) or "none"
    else:
        text = str(value)
    if unit and value is not None and not isinstance(value, (bool, list, tuple)):
        return f"{text}°" if unit == "°" else f"{text} {unit}"
    return text


def noun(groups: Sequence[str]) -> str:
    """Return "rack", "4 racks", "4 racks and 4 units" (two kinds) or "9 items" for the
    groups of the items of a command.

    Examples
    --------
    >>> noun(["racks"]), noun(["racks"] * 8 + ["cooling"] * 8), noun(["x", "racks"])
    ('rack', '8 racks and 8 units', '2 items')
    """
    kinds = list(dict.fromkeys(groups))
    n = len(groups)
    if len(kinds) == 1 and kinds[0] in _NOUNS:
        one, many = _NOUNS[kinds[0]]
        return one if n == 1 else f"{n} {many}"
    if len(kinds) == 2 and all(k in _NOUNS for k in kinds):
        # racks with their rear doors: say both, not "16 items" for 8 racks
        parts = []
        for k in kinds:
            c = groups.count(k)
            parts.append(f"{c} {_NOUNS[k][0] if c == 1 else _NOUNS[k][1]}")
        return " and ".join(parts)
    return "item" if n == 1 else f"{n} items"


class LayoutCommand(QUndoCommand):
    """Swap the document's layout between ``before`` and ``after``.

    ``select_before``/``select_after`` are the selections to restore with each
    state (ids; None keeps the current selection filtered to existing items).
    """

    def __init__(self, doc: LayoutDocument, text: str, before: Layout, after: Layout,
                 select_before: list[str] | None = None, select_after: list[str] | None = None,
                 merge_key: Any = None) -> None:
        super().__init__(text)
        self._doc = doc
        self.before = before
        self.after = after
        self.select_before = select_before
        self.select_after = select_after
        self.merge_key = merge_key
        self._stamp = time.monotonic()

    def redo(self) -> None:
        self._doc._commit(self.after, self.select_after)

    def undo(self) -> None:
        self._doc._commit(self.before, self.select_before)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, LayoutCommand) or other.merge_key != self.merge_key:
            return False
        if other._stamp - self._stamp > MERGE_WINDOW_S:
            return False
        self.after = other.after
        self.select_after = other.select_after
        self._stamp = other._stamp
        self.setText(other.text())
        return True
