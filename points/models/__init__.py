"""Civility points: the ledger, rules and the shop (ledger.py); rankings' honours (honours.py)."""

from .checkpoints import LedgerCheckpoint  # noqa: F401
from .honours import *  # noqa: F401,F403
from .ledger import *  # noqa: F401,F403
