"""Any OpenAI-compatible chat server (vLLM, llama.cpp server, a hosted API), streamed.

This is the scale-out path: generation runs on model servers elsewhere and this process only relays the
deltas. The official ``openai`` client does the HTTP, the server-sent events and the retries on connection
errors and 5xx; every way it can fail is turned into a ``BackendError`` that names the server, because a
teacher reading "Connection error." cannot tell the tutor's model server from anything else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from openai import APIConnectionError, APIError, APIStatusError, APITimeoutError, OpenAI

from llm.backends.generative import BackendError


class OpenAICompatibleBackend:
    name = "openai"

    def __init__(
        self, base_url: str, *, model: str, api_key: str = "unused", timeout: float = 30.0, max_retries: int = 2
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self.client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)

    def stream(
        self, messages: Sequence[Mapping[str, str]], *, max_new_tokens: int = 160, temperature: float = 0.7
    ) -> Iterator[str]:
        server = f"the model server at {self.base_url} (model {self.model})"
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": m["role"], "content": m["content"]} for m in messages],
                max_tokens=max_new_tokens,
                temperature=temperature,
                stream=True,
            )
            with response:  # closes the connection when the caller stops reading early
                for chunk in response:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        # Timeouts first: the client's timeout error is a kind of connection error. The client wraps transport
        # errors raised while reading the stream too, so a reply that stalls midway lands here as well.
        except APITimeoutError as error:
            raise BackendError(f"{server} did not answer within {self.timeout:g} s") from error
        except APIConnectionError as error:
            raise BackendError(f"cannot reach {server}: {error.__cause__ or error}") from error
        except APIStatusError as error:
            raise BackendError(f"{server} answered HTTP {error.status_code}: {error.message}") from error
        except APIError as error:
            raise BackendError(f"{server} failed during the reply: {error}") from error
