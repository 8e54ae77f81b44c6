"""The guidance in brief: the data, its wording (never the guidance's own), and the window."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.help import load_brief, parse_brief
from nhsip_desktop.ui.guidance_help import GuidanceDialog, guidance_button

GUIDANCE = Path(__file__).resolve().parents[2] / "shared" / "guidance" / "nhs-ip-guidance-2025.txt"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def test_every_step_annex_and_the_actions_are_summarised() -> None:
    brief = load_brief()
    references = [p.reference for p in brief.parts]
    assert references[:9] == [f"Step {n}" for n in range(1, 10)]
    assert {"Annex A", "Annex B", "Actions for organisations"} <= set(references)
    assert brief.part("Step 7: route 2").reference == "Step 7"
    assert brief.part("Annex A, section 4").reference == "Annex A"
    assert brief.part("Annex B: fees and revenue sharing").reference == "Annex B"
    assert all(p.points and p.in_this_app for p in brief.parts)


def test_a_summary_with_an_unknown_reference_is_refused() -> None:
    raw = json.loads(resource_path("help", "guidance-in-brief-v1.json").read_text())
    raw["parts"][0]["reference"] = "Step 12"
    with pytest.raises(ValueError, match="Step 12"):
        parse_brief(raw, "bad.json")
    with pytest.raises(ValueError, match="not a guidance summary"):
        parse_brief({"format": "something else"}, "other.json")


@pytest.mark.skipif(not GUIDANCE.exists(), reason="the guidance text is not beside the project")
def test_summaries_are_in_our_own_words() -> None:
    """No run of eight words is copied from the guidance."""
    words = _words(GUIDANCE.read_text(encoding="utf-8"))
    grams = {tuple(words[i : i + 8]) for i in range(len(words) - 7)}
    copied = []
    for part in load_brief().parts:
        for text in (*part.points, part.in_this_app, part.title):
            w = _words(text)
            copied += [
                " ".join(w[i : i + 8]) for i in range(len(w) - 7) if tuple(w[i : i + 8]) in grams
            ]
    assert not copied, copied


def test_the_window_opens_at_the_step_asked_for(qtbot: object) -> None:
    dialog = GuidanceDialog("Step 6")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.current_reference() == "Step 6"
    assert "Protecting IP" in dialog.text.toPlainText()
    assert "Do not pay for protection unless there is a plan" in dialog.text.toPlainText()
    dialog.parts.setFocus()
    dialog.show()
    qtbot.keyClick(dialog.parts, Qt.Key.Key_Down)  # type: ignore[attr-defined]
    assert dialog.current_reference() == "Step 7"
    assert "Route 2" in dialog.text.toPlainText()


def test_the_area_button_opens_the_summary_at_its_step(qtbot: object) -> None:
    button = guidance_button("Step 9")
    qtbot.addWidget(button)  # type: ignore[attr-defined]
    assert button.text() == "Guidance in brief: step 9…"
    seen: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, GuidanceDialog)
        seen.append(dialog.current_reference())
        dialog.reject()

    QTimer.singleShot(0, look)
    button.click()
    assert seen == ["Step 9"]


def test_f1_opens_the_summary_for_the_area_in_use(qtbot: object, tmp_path: Path) -> None:
    from PySide6.QtGui import QKeySequence

    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.ui.main_window import MainWindow

    register = Register.create(tmp_path / "t.nhsip", actor=Actor("t", "T"))
    window = MainWindow()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.session.demo = True
    window.session.attach(register)
    help_action = next(
        a
        for a in window.findChildren(QAction)
        if a.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    )
    seen: list[str] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, GuidanceDialog)
        seen.append(dialog.current_reference())
        dialog.reject()

    for row in (3, 4):  # Finance, Governance
        window.go_to(row)
        QTimer.singleShot(0, look)
        help_action.trigger()
    window.session.lock()
    assert seen == ["Step 8", "Step 1"]
