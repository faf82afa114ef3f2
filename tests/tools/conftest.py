import pydantic_ai.models

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False
