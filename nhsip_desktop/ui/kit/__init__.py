"""The UI kit: one record table, one hint and problem label, forms declared as data.

- :class:`Column`, :class:`RecordModel`, :class:`RecordTable` (``table.py``)
- :func:`hint`, :func:`problem_label`, :class:`Note` (``labels.py``)
- :class:`Field`, :class:`FormWidget`, :class:`FormDialog`, :func:`ask_discard` (``form.py``)
- :func:`date_edit`, :func:`line_edit`, :func:`text_box`, :func:`form_layout` (``inputs.py``)
"""

from .form import Field, FormDialog, FormWidget, Problems, ask_discard
from .inputs import date_edit, form_layout, line_edit, text_box
from .labels import Note, hint, problem_label
from .table import Column, RecordModel, RecordTable, cell_text

__all__ = [
    "Column",
    "Field",
    "FormDialog",
    "FormWidget",
    "Note",
    "Problems",
    "RecordModel",
    "RecordTable",
    "ask_discard",
    "cell_text",
    "date_edit",
    "form_layout",
    "hint",
    "line_edit",
    "problem_label",
    "text_box",
]
