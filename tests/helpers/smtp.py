"""A real SMTP server on loopback for the e-mail tests (the `smtp_sink` fixture, re-exported by conftests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.serving import free_port
from tests.helpers.nps import SmtpSink


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()
