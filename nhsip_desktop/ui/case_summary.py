"""A read-only summary of one case (the full case screen comes with disclosure intake)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from nhsip_desktop.cases import IP_KIND_LABELS, Case, format_date


def case_html(case: Case) -> str:
    rows = [
        ("Reference", case.reference),
        ("Stage", case.stage.label),
        ("Kinds of IP", ", ".join(IP_KIND_LABELS[k] for k in case.ip_kinds) or "Not recorded"),
        ("Lead innovator", case.lead_innovator or "Not recorded"),
        ("Received", format_date(case.received_on) or "Not yet submitted"),
        ("Next action", case.next_action or "None"),
        ("Due", format_date(case.next_action_due) or "-"),
    ]
    table = "".join(
        f"<tr><th align='left' style='padding:3px 16px 3px 0'>{escape(k)}</th>"
        f"<td style='padding:3px 0'>{escape(v)}</td></tr>"
        for k, v in rows
    )
    summary = escape(case.summary).replace("\n", "<br>") or "<i>No summary recorded.</i>"
    return f"<h2>{escape(case.title)}</h2><table>{table}</table><h3>Summary</h3><p>{summary}</p>"


class CaseSummaryDialog(QDialog):
    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{case.reference}: {case.title}")
        self.setAccessibleName(f"Case {case.reference}")
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Case summary")
        self.browser.setHtml(case_html(case))
        self.browser.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 460)
