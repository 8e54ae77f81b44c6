"""Screens named in issue 20 item 4 at a trust laptop's sizes, into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/layout_shots.py            # 1366x768
    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.25 .venv/bin/python scripts/layout_shots.py
                                                  # 1920x1080 at 125% (1536x864 logical)

The main window and the case window are sized as when maximised on that screen. Throwaway
config and data folders: your own settings and registers are untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    logical = (1366, 768) if scale == 1 else (round(1920 / scale), round(1080 / scale))
    tag = "1366x768" if scale == 1 else f"1920x1080-at-{round(scale * 100)}"
    scratch = Path(tempfile.mkdtemp(prefix="nhsip-layout-"))
    os.environ["NHSIP_CONFIG_DIR"] = str(scratch / "config")
    os.environ["NHSIP_DATA_DIR"] = str(scratch / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QWidget

    from nhsip_desktop.ui.app import make_app
    from nhsip_desktop.ui.main_window import MainWindow

    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)
    # Maximised on a Windows laptop: the screen less the task bar (40 px) and title bar (30).
    width, height = logical[0], logical[1] - 70

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(3):
            app.processEvents()
        path = OUT / f"{name}-{tag}.png"
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT)}")

    window = MainWindow()
    window.open_demo()
    window.resize(width, height)
    shot(window, "layout-cases")
    window.go_to(1)
    shot(window, "layout-assets")

    register = window.session.register
    case = next(c for c in register.cases.search(window.cases_page.model.filter)
                if c.stage.value == "in_triage")  # fmt: skip
    window.go_to(0)
    editor = window.open_case(case.id)
    assert editor is not None
    editor.resize(width, height)
    for index in range(editor.tabs.count()):
        if "Triage" in editor.tabs.tabText(index):
            editor.tabs.setCurrentIndex(index)
    shot(editor, "layout-triage")
    editor.close()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
