"""Reports and exports: Qt-free functions that turn register data into a file.

Each report is written through ``nhsip_desktop.core.safe_write`` (a temporary file in the target's
folder, then an atomic rename), so a failed save never leaves a half-written file behind.
"""
