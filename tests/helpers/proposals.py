"""Proposal links: the client actor of a signed link, and a link signed some days ago."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor, Role

CLIENT = Actor(kind="client", ref="link", role=Role.CLIENT)


def signed_days_ago(days: int, sign: Any) -> str:
    """A token signed as if `days` ago (itsdangerous reads the clock through the signer)."""
    import time

    from itsdangerous import TimestampSigner

    real = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - days * 86400  # type: ignore[method-assign]
    try:
        return str(sign())
    finally:
        TimestampSigner.get_timestamp = real  # type: ignore[method-assign]
