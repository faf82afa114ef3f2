"""Exchange-rate tools: set a rate, list the rates. Thin wrappers over `engine.fx`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.errors import InvalidInput
from tools.base import ToolSpec, error_result, run_operation

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from tools.deps import AgentDeps


async def set_fx_rate(ctx: RunContext[AgentDeps], currency: str = "", rate: str = "",
                      as_of: date | None = None) -> dict[str, Any]:
    """Set what one unit of a currency is worth in the agency's currency (needs the speaker's confirmation).

    Args:
        currency: The three-letter code, e.g. EUR.
        rate: One unit of the currency in the agency's currency, e.g. "1.08".
        as_of: The day the rate holds from; today if omitted.
    """
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine import fx

    try:
        data = fx.FxRateInput(currency=currency, rate=Decimal(rate), as_of=as_of)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "input"
        return error_result(InvalidInput(f"{field}: {err['msg']}", field=field))
    except (InvalidOperation, ValueError):
        return error_result(InvalidInput(f"rate must be a number such as 1.08, not {rate[:20]!r}", field="rate"))
    return await run_operation(ctx.deps, lambda octx: fx.set_fx_rate(octx, data))


async def list_fx_rates(ctx: RunContext[AgentDeps]) -> dict[str, Any]:
    """The exchange rates set against the agency's currency, newest first."""
    # Deferred: listing or dry-running the tools loads no engine operation.
    from engine import fx

    return await run_operation(ctx.deps, fx.list_fx_rates)


TOOLS = [
    ToolSpec(set_fx_rate, action="set_fx_rate", confirm=True),
    ToolSpec(list_fx_rates, action="view_fx_rates"),
]
