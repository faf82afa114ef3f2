"""The offline model: a deterministic parser behind pydantic-ai's FunctionModel."""
