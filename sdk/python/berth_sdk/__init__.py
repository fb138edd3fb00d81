"""Python client for the berth control plane: every operation of its API surfaces, stdlib only."""

from .client import BerthClient
from .errors import BerthError

__all__ = ["BerthClient", "BerthError"]
__version__ = "0.1.0"
