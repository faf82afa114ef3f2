from __future__ import annotations

from tests.engine.satisfaction.conftest import smtp_sink

__all__ = ["smtp_sink"]
