"""The fake OpenAI-compatible server lives in bot/devtools (next to the fake Stripe); tests import it here."""

from bot.devtools.fake_openai import FakeOpenAI, Turn, create_fake_app, run_fake_openai

__all__ = ["FakeOpenAI", "Turn", "create_fake_app", "run_fake_openai"]
