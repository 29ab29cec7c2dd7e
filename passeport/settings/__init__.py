"""Settings: one module, driven by the environment (see base.py)."""

from passeport.settings.base import *  # noqa: F403
