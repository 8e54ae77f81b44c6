"""The self-test's window step: the main window, offscreen, on the self-test register.

Proves that the Qt libraries and platform plugins were bundled and that the window can show
the register's cases. Called by :mod:`nhsip_desktop.app.selftest`; takes the register over and
closes it.
"""

from __future__ import annotations

import os

from nhsip_desktop.store.register import Register


def check_main_window(register: Register) -> str:
    # Offscreen unless a platform was chosen: a build check must not flash a window.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication

    from .app import make_app
    from .main_window import MainWindow

    app = make_app()
    window = MainWindow()
    try:
        window.show()
        window.session.attach(register)
        QCoreApplication.processEvents()
        model = window.cases_page.model
        rows = model.rowCount()
        if rows < 1:
            raise AssertionError("the case list shows no rows")
        title = model.index(0, 0).data()
        image = window.grab()
        if image.isNull() or image.width() < 100:
            raise AssertionError("the window did not render")
        platform = app.platformName()
        return (
            f"Qt platform '{platform}', {rows} case row(s) shown (first: {title}), "
            f"window rendered at {image.width()}x{image.height()}"
        )
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.processEvents()
