"""A language model on an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio), as the agent and the
architect both use it: pydantic-ai's OpenAI chat-completions client with the configured key, timeout and retries."""

from __future__ import annotations

from pydantic_ai.models import Model

from engine.config import Settings


def openai_compat_model(settings: Settings, model_name: str) -> Model:
    """NAME on GRACE_OPENAI_BASE_URL. A local server usually checks no key: a placeholder is sent then."""
    # Deferred: the OpenAI client is needed only when a language model is configured.
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    client = AsyncOpenAI(base_url=settings.openai_base_url or None, api_key=settings.openai_api_key or "not-needed",
                         timeout=settings.model_timeout_seconds, max_retries=settings.model_max_retries)
    return OpenAIChatModel(model_name, provider=OpenAIProvider(openai_client=client))
