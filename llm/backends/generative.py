"""The contract every generative tutor backend keeps, and the factory that picks one from settings.

A backend gets chat messages the tutor has already assembled (the answer key never enters them) and streams
the reply as text chunks. Backends know nothing about Django: the caller hands the factory a plain mapping of
settings, so the same backend runs in a Celery worker, a test or an evaluation script.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

BACKEND_NAMES = ("transformers", "openai")


class BackendError(RuntimeError):
    """A generation failed in a way worth telling a person about: the server is down, a request timed out,
    the model directory is not a model. The message says which backend and what happened."""


class GenerativeBackend(Protocol):
    name: str

    def stream(
        self, messages: Sequence[Mapping[str, str]], *, max_new_tokens: int = 160, temperature: float = 0.7
    ) -> Iterator[str]:
        """Yield the assistant's reply to ``messages`` in chunks; temperature 0 is greedy."""
        ...


def generative_options(environ: Mapping[str, str]) -> dict[str, str]:
    """The backend settings among ``environ`` (the ``CAIRN_LLM_*`` variables but the backend's name)."""
    return {key: value for key, value in environ.items() if key.startswith("CAIRN_LLM_") and key != "CAIRN_LLM_BACKEND"}


def generative_backend(*, name: str, options: Mapping[str, str]) -> GenerativeBackend:
    """Build the backend called ``name`` from settings-style ``options``.

    Keys are the Django setting names (``CAIRN_LLM_MODEL_DIR``, ``CAIRN_LLM_DEVICE``, ``CAIRN_LLM_MAX_BATCH``
    for ``transformers``; ``CAIRN_LLM_BASE_URL``, ``CAIRN_LLM_MODEL``, ``CAIRN_LLM_API_KEY``,
    ``CAIRN_LLM_TIMEOUT`` for ``openai``) so the caller can pass its settings through unchanged. Each backend
    module is imported only when chosen: the transformers one pulls in torch, which an ``openai`` deployment
    should not pay for.
    """
    if name == "transformers":
        from llm.backends.local_transformers import TransformersBackend

        return TransformersBackend(
            _required(options, "CAIRN_LLM_MODEL_DIR"),
            device=options.get("CAIRN_LLM_DEVICE") or None,
            max_batch=int(options.get("CAIRN_LLM_MAX_BATCH") or 64),
        )
    if name == "openai":
        from llm.backends.openai_compatible import OpenAICompatibleBackend

        return OpenAICompatibleBackend(
            _required(options, "CAIRN_LLM_BASE_URL"),
            model=_required(options, "CAIRN_LLM_MODEL"),
            api_key=options.get("CAIRN_LLM_API_KEY") or "unused",
            timeout=float(options.get("CAIRN_LLM_TIMEOUT") or 30.0),
        )
    raise ValueError(f"unknown generative backend {name!r}; choose one of: {', '.join(BACKEND_NAMES)}")


def _required(options: Mapping[str, str], key: str) -> str:
    value = options.get(key)
    if not value:
        raise BackendError(f"the generative backend needs the setting {key}, which is empty")
    return value
