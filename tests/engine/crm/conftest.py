from __future__ import annotations

from tests.helpers.smtp import smtp_sink

__all__ = ["smtp_sink"]
