"""The one list of the agent's tools, read by the pydantic-ai agent (`tools.agent`) and by the offline
dry run (`tools.dry_run`) alike: names, governance actions, which need confirmation, their arguments.

To add a domain's tools, write `tools/<domain>.py` with functions and a `TOOLS` list of `ToolSpec`s
(see `tools/base.py`), and add the module to `TOOL_MODULES`. The offline model knows every planned
tool (`tools/offline/rules.py`, and the corpus it is trained from in tests/data/agent/) and says
"not available yet" until it is registered. Importing this module loads neither pydantic-ai nor the
engine's operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from engine.actors import Role
from tools import billing, crm, delivery, fx, metrics, pipeline, proposals, satisfaction, scoring, sources
from tools.base import ToolSpec

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.governance.policies import Policies

# The tool modules the agent is built from, one per domain.
TOOL_MODULES: tuple[ModuleType, ...] = (pipeline, sources, scoring, proposals, delivery, billing, satisfaction,
                                         metrics, crm, fx)


def tool_specs(modules: Sequence[ModuleType] = TOOL_MODULES) -> list[ToolSpec]:
    specs = [spec for module in modules for spec in module.TOOLS]
    names = [s.name for s in specs]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate tool names: {names}")
    return specs


def offered_to(role: Role, specs: Sequence[ToolSpec], policies: Policies) -> set[str]:
    """The names of the tools a speaker with this role is offered under these policies (the engine checks again)."""
    return {s.name for s in specs if policies.allowed(s.action, role)}


def uses_offline_model(settings: Settings) -> bool:
    """True when GRACE_MODEL names the offline model (the default), not a language model."""
    return settings.model.strip() in ("", "offline")
