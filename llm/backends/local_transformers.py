"""A local model directory served to many tutor sessions at once, streaming every reply.

Batching design. transformers (5.x) ships a continuous batching engine, ``ContinuousBatchingManager``
(``model.init_continuous_batching``): one background thread owns a paged KV cache and, between forward steps,
admits waiting requests (chunked prefill mixed with decode), drops finished or cancelled ones, samples with
per-request temperature / top-k, and on CUDA replays captured CUDA graphs (optionally ``torch.compile``).
It runs on CPU too. Writing our own scheduler over ``model(...)`` calls would duplicate all of that with worse
GPU performance (no paged attention, Python overhead on every step), so ``ContinuousBatcher`` wraps the
library engine and adds only what the tutor needs and the library leaves out:

- per-request delivery: the library puts every request's outputs on one shared queue (its per-request
  iterator re-queues other requests' outputs, which thrashes under load), so one small routing thread moves
  each output to the queue of the caller that asked for it;
- greedy and sampled requests in the same batch: the engine samples for everyone, so a temperature-0
  request asks for top-k = 1, which makes sampling pick the argmax exactly;
- callers never hang: every wait on a queue has a timeout, engine failures reach the caller as
  ``BackendError``, and a caller that stops reading cancels its request so its cache pages are freed.

``TransformersBackend`` adds the text side: the tokenizer's chat template and incremental detokenization
(``IncrementalDetokenizer``), both done in the caller's thread so the engine thread only runs the model.
"""

from __future__ import annotations

import math
import queue
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig, PreTrainedModel
from transformers.generation.configuration_utils import ContinuousBatchingConfig
from transformers.generation.continuous_batching import ContinuousBatchingManager

from llm.backends.generative import BackendError

SAMPLING_TOP_K = 50  # what ``model.generate`` uses by default when sampling


class ContinuousBatcher:
    """Token-level streaming over one model, many concurrent callers, one engine thread.

    ``token_stream`` is safe to call from any number of threads at once; each call yields lists of new token
    ids as the engine produces them. ``max_batch`` requests decode together at most; on CPU the paged cache is
    sized for ``max_batch`` requests of ``max_context`` tokens (on CUDA the library sizes it from free memory).
    ``compile`` turns on the library's ``torch.compile`` of the forward passes; ``cuda_graphs`` forces CUDA
    graphs on or off (None: the library's rule, which turns them off for attention that needs a mask, i.e.
    SDPA without the flash-attn package). Sampled requests keep the 50 likeliest tokens, as ``generate`` does.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        *,
        eos_token_ids: Sequence[int],
        max_batch: int = 64,
        max_context: int = 2048,
        token_timeout: float = 60.0,
        compile: bool = False,
        cuda_graphs: bool | None = None,
        warmup: bool = True,
    ) -> None:
        self.max_context = max_context
        self.token_timeout = token_timeout
        self._eos_token_ids = list(eos_token_ids) or [-1]  # -1: the engine's "no EOS"
        self._queues: dict[str, queue.Queue] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        on_cuda = model.device.type == "cuda"
        # The generation config only decides which logits processors exist: temperature must differ from 1
        # and top-k be set, or per-request temperature / top-k would be silently ignored.
        generation_config = GenerationConfig(
            do_sample=True, temperature=0.7, top_k=SAMPLING_TOP_K, eos_token_id=self._eos_token_ids
        )
        batching_config = ContinuousBatchingConfig(
            max_requests_per_batch=max_batch,
            per_request_processors=True,
            default_compile_level=1 if compile else 0,
            use_cuda_graph=cuda_graphs if on_cuda else False,
            # Without psutil the library cannot measure CPU memory, so the CPU cache is sized here.
            num_blocks=None if on_cuda else math.ceil(max_batch * max_context / 256),
            max_batch_tokens=None if on_cuda else max(256, max_batch),
        )
        self._manager: ContinuousBatchingManager = model.init_continuous_batching(
            generation_config=generation_config, continuous_batching_config=batching_config
        )
        with torch.inference_mode():
            if on_cuda and warmup:
                self._manager.warmup()  # captures the CUDA graphs before the first student waits on them
            self._manager.start()
        self._router = threading.Thread(target=self._route, name="cairn-llm-router", daemon=True)
        self._router.start()

    def token_stream(
        self, prompt_ids: Sequence[int], *, max_new_tokens: int, temperature: float
    ) -> Iterator[list[int]]:
        """Yield the new token ids of one request, step by step, until EOS or ``max_new_tokens``."""
        if len(prompt_ids) + max_new_tokens > self.max_context:
            raise BackendError(
                f"the prompt ({len(prompt_ids)} tokens) plus {max_new_tokens} new tokens exceeds the local model's "
                f"context of {self.max_context} tokens"
            )
        if self._closed.is_set():
            raise BackendError("the local model backend is closed")
        request_id = uuid.uuid4().hex
        outputs: queue.Queue = queue.Queue()
        with self._lock:
            self._queues[request_id] = outputs  # before submitting, so the first token cannot be missed
        finished = False
        try:
            sampling = {"temperature": 1.0, "top_k": 1} if temperature <= 0 else {"temperature": float(temperature)}
            accepted = self._manager.add_request(
                list(prompt_ids),
                request_id=request_id,
                max_new_tokens=max_new_tokens,
                streaming=True,
                eos_token_id=self._eos_token_ids,
                **sampling,
            )
            if accepted is None:
                fatal = self._manager.background_thread_status.fatal_error
                reason = f"its generation thread failed: {fatal}" if fatal else "it is shutting down"
                raise BackendError(f"the local model accepts no new requests: {reason}")
            delivered = 0
            while not finished:
                try:
                    output = outputs.get(timeout=self.token_timeout)
                except queue.Empty:
                    raise BackendError(
                        f"the local model produced no token for {self.token_timeout:.0f} s; it may be overloaded"
                    ) from None
                if isinstance(output, BackendError):
                    raise output
                if output.error is not None:
                    raise BackendError(f"the local model failed while generating: {output.error}")
                finished = output.is_finished()
                new_tokens = output.generated_tokens[delivered:]
                delivered = len(output.generated_tokens)
                if new_tokens:
                    yield new_tokens
        finally:
            with self._lock:
                self._queues.pop(request_id, None)
            if not finished and not self._closed.is_set():
                self._manager.cancel_request(request_id)  # the caller stopped reading: free its cache pages

    def engine_settings(self) -> dict[str, object]:
        """What the library decided (attention kernel, CUDA graphs, async batching), for benchmark reports."""
        resolved = self._manager.continuous_batching_config
        return {
            "attn_implementation": self._manager.model.config._attn_implementation,
            "use_cuda_graph": list(resolved.cuda_graph_booleans),
            "use_async_batching": resolved.use_async_batching,
            "compile": resolved.varlen_compile_config is not None or resolved.decode_compile_config is not None,
        }

    def close(self) -> None:
        """Stop the engine and fail every open request; safe to call twice and from several threads."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._manager.stop(block=True, timeout=10, hard_stop=True)
        self._router.join(timeout=5)
        self._fail_open_requests(BackendError("the local model backend was closed during generation"))

    def _route(self) -> None:
        """Move each engine output to the queue of the request it belongs to (runs in its own thread)."""
        while not self._closed.is_set():
            output = self._manager.get_result(timeout=0.05)
            if output is not None:
                with self._lock:
                    destination = self._queues.get(output.request_id)
                if destination is not None:
                    destination.put(output)
            elif not self._manager.is_running():
                # get_result returns at once once the engine thread is gone: fail waiters, do not spin.
                fatal = self._manager.background_thread_status.fatal_error
                self._fail_open_requests(BackendError(f"the local model's generation thread stopped: {fatal}"))
                self._closed.wait(0.1)

    def _fail_open_requests(self, error: BackendError) -> None:
        with self._lock:
            waiting = list(self._queues.values())
        for outputs in waiting:
            outputs.put(error)


class IncrementalDetokenizer:
    """Turns a growing list of token ids into text deltas whose concatenation is the full decode.

    Decoding one token at a time breaks multi-byte characters split across tokens and drops the spaces some
    tokenizers attach to word starts. So each step decodes a short window that begins one chunk back, emits
    only what the new tokens added, and holds text back while it ends in U+FFFD (an unfinished character).
    """

    def __init__(self, tokenizer) -> None:
        self._tokenizer = tokenizer
        self._ids: list[int] = []
        self._prefix_offset = 0  # where the decoding window starts
        self._read_offset = 0  # tokens before this have been emitted

    def push(self, new_ids: Sequence[int]) -> str:
        self._ids.extend(new_ids)
        prefix_text = self._decode(self._ids[self._prefix_offset : self._read_offset])
        window_text = self._decode(self._ids[self._prefix_offset :])
        if len(window_text) <= len(prefix_text) or window_text.endswith("\ufffd"):
            return ""
        self._prefix_offset, self._read_offset = self._read_offset, len(self._ids)
        return window_text[len(prefix_text) :]

    def finish(self) -> str:
        """Whatever was held back (text that really ends in an invalid byte sequence)."""
        prefix_text = self._decode(self._ids[self._prefix_offset : self._read_offset])
        window_text = self._decode(self._ids[self._prefix_offset :])
        self._prefix_offset = self._read_offset = len(self._ids)
        return window_text[len(prefix_text) :]

    def _decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=True)


class TransformersBackend:
    """A causal language model from a local directory (never the network), GPU when present."""

    name = "transformers"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str | None = None,
        max_batch: int = 64,
        max_context: int = 2048,
        token_timeout: float = 60.0,
        compile: bool = False,
    ) -> None:
        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise BackendError(f"the local model directory {path} has no config.json; is it a saved model?")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(
                path, local_files_only=True, dtype=dtype, attn_implementation="sdpa"
            )
        except (OSError, ValueError, KeyError) as error:
            raise BackendError(f"cannot load a model from {path}: {error}") from error
        self.model = model.to(device).eval()
        context = min(max_context, getattr(self.model.config, "max_position_embeddings", max_context))
        self.batcher = ContinuousBatcher(
            self.model,
            eos_token_ids=self._eos_token_ids(),
            max_batch=max_batch,
            max_context=context,
            token_timeout=token_timeout,
            compile=compile,
        )

    def prompt_ids(self, messages: Sequence[Mapping[str, str]]) -> list[int]:
        """The token ids the model sees for ``messages``, ending where the assistant's reply begins."""
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(
                [dict(message) for message in messages], tokenize=False, add_generation_prompt=True
            )
            return self.tokenizer(text, add_special_tokens=False)["input_ids"]
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"
        return self.tokenizer(text)["input_ids"]

    def stream(
        self, messages: Sequence[Mapping[str, str]], *, max_new_tokens: int = 160, temperature: float = 0.7
    ) -> Iterator[str]:
        detokenizer = IncrementalDetokenizer(self.tokenizer)
        tokens = self.batcher.token_stream(
            self.prompt_ids(messages), max_new_tokens=max_new_tokens, temperature=temperature
        )
        for new_ids in tokens:
            text = detokenizer.push(new_ids)
            if text:
                yield text
        rest = detokenizer.finish()
        if rest:
            yield rest

    def close(self) -> None:
        self.batcher.close()

    def _eos_token_ids(self) -> list[int]:
        """The tokenizer's EOS plus the model's (chat models end a turn with their own token, e.g. <|im_end|>)."""
        ids = {self.tokenizer.eos_token_id}
        configured = self.model.generation_config.eos_token_id
        ids.update(configured if isinstance(configured, list) else [configured])
        return sorted(i for i in ids if i is not None)
