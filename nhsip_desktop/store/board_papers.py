"""The board papers produced from the register, each with the figures of its key messages
(``board_messages.figures_of``), so the next paper can say what changed since the last one.

Recording a paper is the board summary's audit row too: the row and the paper's figures
commit together. The last paper before a period is read by ``register.facts.last_board_paper``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .register import Register

__all__ = ["record_board_paper"]


def record_board_paper(
    register: Register,
    target: Path,
    sections: Sequence[str],
    start: dt.date,
    end: dt.date,
    figures: Mapping[str, Any],
) -> None:
    """Record that a board summary for ``start``..``end`` left the register, with its
    figures: one audit row (the report's) and one ``board_papers`` row, in one transaction."""
    produced_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with register.transaction() as tx:
        register.conn.execute(
            "INSERT INTO board_papers (produced_at, period_start, period_end, figures) "
            "VALUES (?, ?, ?, ?)",
            (produced_at, start.isoformat(), end.isoformat(), json.dumps(dict(figures))),
        )
        tx.audit(
            "report",
            "report",
            "board-summary",
            {
                "file": [None, Path(target).name],
                "sections": [None, list(sections)],
                "period": [None, [start.isoformat(), end.isoformat()]],
                "figures": [None, dict(figures)],
            },
        )
