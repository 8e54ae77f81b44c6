"""IP governance (guidance steps 1, 3 and 9, and the actions for organisations).

The guidance ends with five actions every organisation providing or commissioning NHS services
should take: a senior responsible officer (SRO) for IP with clear decision-making, an IP policy
reviewed every year, technology transfer (TTC) arrangements that have been evaluated, the
policy and the TTC arrangements made public, and rolling IP training for staff. An annual
return to DHSC and NHS England is to follow.

The page's first tab shows each action's status in words (worked out by
:func:`~nhsip_desktop.governance.model.action_statuses`) and the governance deadlines; the other
tabs are the forms and the training log the statuses are worked out from, and the variations
from the guidance with the annual return (PDF).

Every form saves through ``register.governance.save`` and shows each problem beside its field.
The page reads the register only when the session says it changed (``changed``, ``opened``,
``locked``); a form with unsaved edits is not overwritten by a change saved elsewhere.
"""

from __future__ import annotations

from nhsip_desktop.core.periods import financial_year_of

from .governance.models import (
    ACTION_COLUMNS,
    ACTION_KEY_ROLE,
    ACTION_SHORT,
    DEADLINE_COLUMNS,
    ID_ROLE,
    TRAINING_COLUMNS,
    ActionTableModel,
    GovernanceDeadlineModel,
    TrainingTableModel,
    guidance_words,
    review_due_words,
    training_words,
)
from .governance.page import GovernancePage
from .governance.training import TrainingDialog

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KEY_ROLE",
    "ACTION_SHORT",
    "DEADLINE_COLUMNS",
    "ID_ROLE",
    "TRAINING_COLUMNS",
    "ActionTableModel",
    "GovernanceDeadlineModel",
    "GovernancePage",
    "TrainingDialog",
    "TrainingTableModel",
    "financial_year_of",
    "guidance_words",
    "review_due_words",
    "training_words",
]
