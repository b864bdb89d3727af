"""New design from a template: pick a template, fill in its typed parameters."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.templates import ParameterError, TemplateFile, instantiate, list_templates

__all__ = ["TemplateDialog"]


class TemplateDialog(QDialog):
    """List the templates by generation; a form of the chosen one's parameters."""

    def __init__(self, parent: QWidget | None = None, generation: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.resize(720, 440)
        problems: list[str] = []
        self.templates: list[TemplateFile] = sorted(list_templates(problems=problems),
                                                    key=lambda t: (t.generation, t.title))
        self.list = QListWidget()
        for t in self.templates:
            it = QListWidgetItem(f"{t.title}\n{t.generation} · v{t.version}")
            it.setData(Qt.ItemDataRole.UserRole, t.id)
            it.setToolTip(t.description)
            self.list.addItem(it)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.form_box = QGroupBox("Parameters")
        self.form = QFormLayout(self.form_box)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.editors: dict[str, QWidget] = {}
        right = QVBoxLayout()
        right.addWidget(self.description)
        right.addWidget(self.form_box)
        right.addStretch(1)
        if problems:
            right.addWidget(QLabel(f"{len(problems)} user template(s) skipped: {problems[0]}"))
        right.addWidget(self.error)
        body = QHBoxLayout()
        body.addWidget(self.list, 2)
        body.addLayout(right, 3)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(body)
        lay.addWidget(self.buttons)
        self.list.currentRowChanged.connect(self._show)
        self.layout_result = None
        if self.templates:
            first = next((k for k, t in enumerate(self.templates) if t.generation == generation), 0)
            self.list.setCurrentRow(first)

    def current(self) -> TemplateFile | None:
        """Return the selected template."""
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def _show(self, _row: int) -> None:
        t = self.current()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        if t is None:
            return
        self.description.setText(t.description)
        for p in t.parameters:
            if p.type == "bool":
                ed: QWidget = QCheckBox()
                ed.setChecked(bool(p.default))
            elif p.type == "choice":
                ed = QComboBox()
                ed.addItems(p.choices)
                ed.setCurrentText(str(p.default))
            elif p.type == "int":
                ed = QSpinBox()
                ed.setRange(int(p.min if p.min is not None else -10**9),
                            int(p.max if p.max is not None else 10**9))
                ed.setSingleStep(2 if p.even else 1)
                ed.setValue(int(p.default))
            else:
                ed = QDoubleSpinBox()
                ed.setDecimals(3)
                ed.setRange(p.min if p.min is not None else -1e9, p.max if p.max is not None
                            else 1e9)
                ed.setValue(float(p.default))
            ed.setToolTip(p.help)
            self.editors[p.name] = ed
            self.form.addRow(p.name.replace("_", " "), ed)

    def values(self) -> dict[str, Any]:
        """Return the parameter values of the form."""
        out: dict[str, Any] = {}
        for name, ed in self.editors.items():
            if isinstance(ed, QCheckBox):
                out[name] = ed.isChecked()
            elif isinstance(ed, QComboBox):
                out[name] = ed.currentText()
            else:
                out[name] = ed.value()
        return out

    def _accept(self) -> None:
        t = self.current()
        if t is None:
            return
        try:
            self.layout_result = instantiate(t, self.values())
        except (ParameterError, ValueError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()
