"""The fake Stripe lives in bot/devtools (the demo uses it too); tests import it from here."""

from bot.devtools.fake_stripe import (
    FakeStripe,
    Recorded,
    create_fake_app,
    decode_form,
    run_fake_stripe,
    signed,
)

__all__ = ["FakeStripe", "Recorded", "create_fake_app", "decode_form", "run_fake_stripe", "signed"]
