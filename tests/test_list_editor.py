"""The list editor (contributors, funders, partners...): a removal can be undone."""

from __future__ import annotations

from nhsip_desktop.cases.disclosure import Funder, IpTerms
from nhsip_desktop.ui.list_editor import FieldSpec, ListEditor


def _editor(qtbot: object) -> ListEditor:
    editor = ListEditor(
        "funder",
        [FieldSpec("name", "Funder")],
        Funder,
        lambda f: f.name or "(no name yet)",
    )
    qtbot.addWidget(editor)  # type: ignore[attr-defined]
    editor.set_items([Funder(name="NIHR", ip_terms=IpTerms.UNKNOWN), Funder(name="Charity")])
    return editor


def test_undo_puts_a_removed_item_back_where_it_was(qtbot: object) -> None:
    editor = _editor(qtbot)
    changes: list[int] = []
    editor.changed.connect(lambda: changes.append(1))
    editor.list.setCurrentRow(0)
    editor.remove_current()
    assert [f.name for f in editor.items()] == ["Charity"]
    assert editor.undo_button.isVisibleTo(editor)
    editor.undo_button.click()
    assert [f.name for f in editor.items()] == ["NIHR", "Charity"]
    assert editor.list.item(0).text() == "NIHR"
    assert editor.list.currentRow() == 0
    assert not editor.undo_button.isVisibleTo(editor)
    assert len(changes) == 2  # both the removal and the undo reach the autosave


def test_loading_another_case_forgets_the_removal(qtbot: object) -> None:
    editor = _editor(qtbot)
    editor.list.setCurrentRow(1)
    editor.remove_current()
    editor.set_items([Funder(name="Other")])
    assert not editor.undo_button.isVisibleTo(editor)
    editor.undo_remove()
    assert [f.name for f in editor.items()] == ["Other"]
