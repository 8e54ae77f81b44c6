"""Recording a training session that has been held, as a form declared as data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QLineEdit, QSpinBox, QWidget

from nhsip_desktop.governance.model import ATTENDEES_MAX, TrainingSession
from nhsip_desktop.store.errors import RegisterError, ValidationError

from ..kit import Field, FormDialog, Problems
from ..session import RegisterSession

TRAINING_FIELDS = (
    Field("held_on", "&Date held:", "date", required=True, help="dd/mm/yyyy, today or earlier."),
    Field(
        "audience",
        "&Audience:",
        help="Who the session was for.",
        placeholder="e.g. Research nurses, surgical division",
    ),
    Field("topic", "&Topic:", placeholder="e.g. What IP is and how to disclose an idea"),
    Field(
        "attendees", "Atte&ndees:", "count", help="How many staff attended.", maximum=ATTENDEES_MAX
    ),
    Field("delivered_by", "Delivered &by:", placeholder="e.g. IP lead, or the TTC partner"),
    Field("note", "N&ote:", help="Anything else worth keeping."),
)
INTRO = (
    "Record a session once it has been held: step 3 asks for rolling IP training for staff, "
    "and the training action counts sessions in the last 12 months."
)


class TrainingDialog(FormDialog):
    """Record a training session that has been held (``register.governance.add_training``)."""

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__("Record a training session", TRAINING_FIELDS, intro=INTRO, parent=parent)
        self.session = session
        self.saved: TrainingSession | None = None
        self.form.set_values({"held_on": dt.date.today()})
        inputs = self.form.inputs
        self.held_on = _line(inputs["held_on"])
        self.audience = _line(inputs["audience"])
        self.topic = _line(inputs["topic"])
        attendees = inputs["attendees"]
        assert isinstance(attendees, QSpinBox)
        self.attendees = attendees
        self.delivered_by = _line(inputs["delivered_by"])
        self.note = _line(inputs["note"])
        session.locked.connect(self.discard)  # nothing can be saved once the register locks
        self.held_on.setFocus()
        self.resize(720, 460)

    def submit(self, values: dict[str, Any]) -> Problems:
        training = TrainingSession(
            held_on=values["held_on"] or dt.date.today(),
            audience=values["audience"],
            topic=values["topic"],
            attendees=values["attendees"],
            delivered_by=values["delivered_by"],
            note=values["note"],
        )
        problems: Problems = list(training.validate(dt.date.today()))
        if problems:
            return problems
        try:
            self.saved = self.session.register.governance.add_training(training)
        except ValidationError as exc:
            return list(exc.problems or [(None, str(exc))])
        except RegisterError as exc:
            return [(None, str(exc))]
        return []


def _line(widget: QWidget) -> QLineEdit:
    assert isinstance(widget, QLineEdit)
    return widget
