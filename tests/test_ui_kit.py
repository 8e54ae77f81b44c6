"""The UI kit itself, through the door the user uses: typing, pressing Save and Cancel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
)

from nhsip_desktop.ui.kit import (
    Column,
    Field,
    FormDialog,
    FormWidget,
    RecordModel,
    RecordTable,
    hint,
    problem_label,
)

FIELDS = [
    Field("held_on", "&Date held:", "date", required=True, help="dd/mm/yyyy, today or earlier."),
    Field(
        "audience",
        "&Audience:",
        required=True,
        validator=lambda v: None if len(v) > 2 else "Audience: say who it was for.",
    ),
    Field("attendees", "Atte&ndees:", "count", accessible_name="Number of attendees"),
    Field("cost", "&Cost:", "money"),
    Field("kind", "&Kind:", "choice", choices=[("Talk", "talk"), ("Course", "course")]),
    Field("note", "N&ote:", "multiline", guidance_ref="Step 3"),
    Field("online", "Held &online", "check"),
]


class _Dialog(FormDialog):
    def __init__(self) -> None:
        super().__init__("Record a thing", FIELDS, intro="Say what happened.")
        self.submitted: list[dict[str, Any]] = []
        self.resize(640, 560)

    def submit(self, values: dict[str, Any]) -> list[tuple[str | None, str]]:
        if values["audience"] == "refuse":
            return [(None, "The register refused it.")]
        self.submitted.append(values)
        return []


def _line(dialog: FormDialog, key: str) -> QLineEdit:
    widget = dialog.form.widget(key)
    assert isinstance(widget, QLineEdit)
    return widget


def test_problems_appear_under_their_fields_without_moving_save(qtbot: Any) -> None:
    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.waitExposed(dialog)
    save = dialog.save_button
    before = save.mapTo(dialog, QPoint(0, 0)), save.size()
    qtbot.keyClicks(_line(dialog, "held_on"), "31/02/2026")
    qtbot.keyClicks(_line(dialog, "cost"), "lots")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert dialog.isVisible() and not dialog.submitted
    assert "not a real date" in dialog.form.problem_text("held_on")
    assert dialog.form.problem_text("audience") == "Audience: this is needed."
    assert "type an amount" in dialog.form.problem_text("cost")
    assert dialog.form.problem_text("note") == ""
    assert dialog.form.problems["held_on"].isVisible()
    assert not dialog.form.problems["note"].isVisible()
    assert (save.mapTo(dialog, QPoint(0, 0)), save.size()) == before
    assert dialog.focusWidget() is dialog.form.widget("held_on")  # the first field at fault
    assert "Problem:" in dialog.form.widget("held_on").accessibleDescription()
    # Typing into a field clears its problem, and nothing moves then either.
    _line(dialog, "held_on").clear()
    qtbot.keyClicks(_line(dialog, "held_on"), "03/12/2026")
    assert dialog.form.problem_text("held_on") == ""
    assert (save.mapTo(dialog, QPoint(0, 0)), save.size()) == before
    dialog.discard()  # closes without asking
    assert not dialog.isVisible()


def test_save_reads_every_kind_and_accepts(qtbot: Any) -> None:
    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.keyClicks(_line(dialog, "held_on"), "03/12/2026")
    qtbot.keyClicks(_line(dialog, "audience"), "Research nurses")
    spin = dialog.form.widget("attendees")
    assert isinstance(spin, QSpinBox)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "12")
    qtbot.keyClicks(_line(dialog, "cost"), "1,250.5")
    dialog.form.widget("online").click()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == FormDialog.DialogCode.Accepted
    [values] = dialog.submitted
    assert values["held_on"] == dt.date(2026, 12, 3)
    assert values["audience"] == "Research nurses"
    assert values["attendees"] == 12
    assert values["cost"] == Decimal("1250.50")
    assert values["kind"] == "talk"
    assert values["online"] is True


def test_a_general_problem_shows_in_the_dialog_and_keeps_it_open(qtbot: Any) -> None:
    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.keyClicks(_line(dialog, "held_on"), "03/12/2026")
    qtbot.keyClicks(_line(dialog, "audience"), "refuse")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.text() == "Not saved: The register refused it."
    dialog.discard()


def test_accessible_names_labels_and_tab_order_follow_the_declaration(qtbot: Any) -> None:
    form = FormWidget(FIELDS)
    qtbot.addWidget(form)
    assert form.widget("held_on").accessibleName() == "Date held"
    assert form.widget("attendees").accessibleName() == "Number of attendees"
    assert form.widget("online").accessibleName() == "Held online"
    assert form.widget("held_on").toolTip() == "dd/mm/yyyy, today or earlier."
    buddies = {label.buddy() for label in form.findChildren(QLabel) if label.buddy()}
    assert {form.widget(k) for k in form.inputs if k != "online"} <= buddies
    order, widget = [], form.widget("held_on")
    for _ in FIELDS:
        order.append(widget)
        widget = widget.nextInFocusChain()
        while widget not in form.inputs.values() and widget is not form.widget("held_on"):
            widget = widget.nextInFocusChain()
    assert order == list(form.inputs.values())


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
def test_cancel_with_changes_asks_to_discard_no_by_default(
    qtbot: Any, answer: QMessageBox.StandardButton
) -> None:
    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.keyClicks(_line(dialog, "audience"), "Nurses")
    seen: dict[str, Any] = {}

    def reply() -> None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        visible = [b for b in boxes if b.isVisible()]
        if not visible:
            QTimer.singleShot(10, reply)
            return
        box = visible[0]
        seen["title"] = box.windowTitle()
        default = box.defaultButton()
        seen["default"] = default.text().replace("&", "") if default else None
        box.button(answer).click()

    QTimer.singleShot(0, reply)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert seen["title"] == "Discard changes?"
    assert seen["default"] == "No"
    assert dialog.isVisible() is (answer == QMessageBox.StandardButton.No)
    dialog.discard()


def test_cancel_without_changes_closes_at_once(qtbot: Any) -> None:
    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.result() == FormDialog.DialogCode.Rejected


class _Rights(RecordModel):
    record_columns = (
        Column("title", "Title"),
        Column("due", "Due", "date"),
        Column("fee", "Fee", "money"),
        Column("count", "Cases", "count"),
    )


def test_record_table_formats_sizes_and_activates(qtbot: Any) -> None:
    model = _Rights()
    model.set_rows(
        [
            {
                "title": "A long title " * 4,
                "due": dt.date(2026, 9, 30),
                "fee": Decimal("75"),
                "count": 1234,
            },
            {"title": "Short", "due": None, "fee": None, "count": 0},
        ]
    )
    table = RecordTable("Rights", model)
    qtbot.addWidget(table)
    table.resize(900, 300)
    table.show()
    assert table.accessibleName() == "Rights"
    assert model.index(0, 1).data() == "30/09/2026"
    assert model.index(0, 2).data() == "£75.00"
    assert model.index(0, 3).data() == "1,234"
    assert model.index(1, 1).data() == ""
    header = table.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    for column in (1, 2, 3):
        assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive
        text = str(model.index(0, column).data())
        assert header.sectionSize(column) > table.fontMetrics().horizontalAdvance(text)
    assert header.sectionSize(0) > header.sectionSize(1)
    assert not table.tabKeyNavigation()
    activated: list[int] = []
    table.activated.connect(lambda index: activated.append(index.row()))
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert activated == [1]


def test_hint_and_problem_label_keep_their_room(qtbot: Any) -> None:
    note = hint("Some help")
    assert note.objectName() == "hintText" and note.wordWrap()
    problem = problem_label("Problem with Date")
    qtbot.addWidget(problem)
    assert problem.objectName() == "errorText"
    assert problem.accessibleName() == "Problem with Date"
    assert problem.isHidden() and problem.sizePolicy().retainSizeWhenHidden()
    assert problem.minimumHeight() >= problem.fontMetrics().lineSpacing()
    loose = problem_label(reserve=False)
    assert loose.isHidden() and not loose.sizePolicy().retainSizeWhenHidden()


def test_a_fields_guidance_button_comes_next_with_tab_and_opens_with_space(qtbot: Any) -> None:
    from nhsip_desktop.ui.guidance_help import GuidanceDialog

    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    dialog.show()
    qtbot.waitExposed(dialog)
    note = dialog.form.widget("note")
    button = next(
        b for b in dialog.findChildren(QPushButton) if b.text().startswith("Guidance in brief")
    )
    assert dialog.form.guidance_buttons["note"] is button
    assert button.accessibleName() == "Guidance in brief for Note: Step 3"
    note.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(note.hasFocus)
    qtbot.keyClick(note, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is button
    qtbot.keyClick(button, Qt.Key.Key_Tab)  # then on to the next field
    assert QApplication.focusWidget() is dialog.form.widget("online")
    qtbot.keyClick(dialog.form.widget("online"), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is button
    opened: list[str] = []

    def close_the_guidance() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, GuidanceDialog)]
        visible = [w for w in shown if w.isVisible()]
        if not visible:
            QTimer.singleShot(10, close_the_guidance)
            return
        opened.append(visible[0].current_reference())
        visible[0].reject()

    QTimer.singleShot(0, close_the_guidance)
    qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(opened))
    assert opened == ["Step 3"]
    assert not dialog.submitted  # Space opened the guidance, it did not save the form


def test_a_form_with_guidance_passes_the_accessibility_walk(qtbot: Any) -> None:
    """Every input and button reachable with Tab, named, in one cycle (the walk every
    dialog of the app gets in tests/test_accessibility.py)."""
    from tests.test_accessibility import _open_dialog, walk

    dialog = _Dialog()
    qtbot.addWidget(dialog, before_close_func=lambda d: d.discard())
    _open_dialog(qtbot, dialog)
    assert not walk(dialog)
