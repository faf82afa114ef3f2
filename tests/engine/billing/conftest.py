from collections.abc import AsyncIterator

import pytest_asyncio

from bot.devtools.serving import free_port
from engine.context import Services
from tests.fakes.stripe import FakeStripe, run_fake_stripe
from tests.helpers.billing import use_stripe


@pytest_asyncio.fixture
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    async for fake in run_fake_stripe(free_port()):
        yield fake


@pytest_asyncio.fixture
async def stripe_services(services: Services, fake_stripe: FakeStripe) -> AsyncIterator[Services]:
    """Services whose payment provider is Stripe, pointed at the fake."""
    use_stripe(services, fake_stripe)
    yield services
    provider, services.payments = services.payments, None
    if provider is not None:
        await provider.close()
