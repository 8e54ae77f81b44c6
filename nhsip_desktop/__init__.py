"""nhsip-desktop: an offline IP register for NHS organisations (Qt-free domain package).

Only ``nhsip_desktop.ui`` may import Qt; everything else here is plain Python so it can be
used from the command line, from tests and from reports without a display.
"""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "nhsip-desktop"
APP_TITLE = "IP Register"
