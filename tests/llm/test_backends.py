"""Generative backends: a tiny random model saved to disk, and a small OpenAI-compatible server, both built here.

Nothing is downloaded: the model has random weights and a word-level tokenizer with a chat template, so the
tests check plumbing (loading, streaming, batching without mixing requests, errors), not reply quality.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from llm.backends.generative import BackendError, generative_backend
from llm.backends.local_transformers import IncrementalDetokenizer, TransformersBackend
from llm.backends.openai_compatible import OpenAICompatibleBackend

SPECIALS = ["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"]
WORDS = [
    "system", "user", "assistant", "you", "are", "a", "kind", "tutor", "the", "student", "asks", "what", "is",
    "next", "step", "hint", "fraction", "add", "numerator", "denominator", "same", "keep", "try", "again", "well",
    "done", "think", "about", "it", "first", "how", "many", "parts", "shaded", "of", "and", "or", "not", "yes",
    "no", "please", "help", "me", "i", "am", "stuck",
] + [str(n) for n in range(40)]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }} {{ m['content'] }}<|im_end|>{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant{% endif %}"
)
MESSAGES = [
    {"role": "system", "content": "you are a kind tutor"},
    {"role": "user", "content": "what is the next step i am stuck"},
]
NEW_TOKENS = 12


def user_turn(n: int) -> list[dict[str, str]]:
    return [MESSAGES[0], {"role": "user", "content": f"what is {n} and {n + 1} please help"}]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """A two-layer Llama with random weights and a word-level tokenizer, saved like a downloaded model.

    Llama rather than Qwen2 because AutoTokenizer rebuilds any tokenizer saved next to a Qwen2 config as
    Qwen2's byte-level BPE, which would scramble this word-level vocabulary."""
    path = tmp_path_factory.mktemp("tiny-llama")
    vocab = {token: i for i, token in enumerate(SPECIALS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="<unk>", pad_token="<pad>", eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"], chat_template=CHAT_TEMPLATE,
    )
    tokenizer.save_pretrained(path)
    torch.manual_seed(7)
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, initializer_range=0.3,
        eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<pad>"],
    )
    LlamaForCausalLM(config).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def backend(model_dir):
    backend = TransformersBackend(model_dir, max_batch=16, max_context=256, token_timeout=20.0)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def greedy_tokens(model_dir, backend):
    """The tokens ``model.generate`` gives without sampling, from a separately loaded copy of the model."""
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=torch.float32).eval()

    def tokens(messages: list[dict[str, str]], max_new_tokens: int = NEW_TOKENS) -> list[int]:
        prompt = torch.tensor([backend.prompt_ids(messages)])
        output = model.generate(
            prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=max_new_tokens, do_sample=False,
            eos_token_id=backend.tokenizer.eos_token_id, pad_token_id=backend.tokenizer.pad_token_id,
        )
        return output[0, prompt.shape[1]:].tolist()

    return tokens


@pytest.fixture(scope="module")
def greedy_reply(backend, greedy_tokens):
    def reply(messages: list[dict[str, str]], max_new_tokens: int = NEW_TOKENS) -> str:
        return backend.tokenizer.decode(greedy_tokens(messages, max_new_tokens), skip_special_tokens=True)

    return reply


@pytest.fixture
def forward_calls(backend, monkeypatch) -> list[int]:
    """Counts the model's forward passes: requests batched together share them, requests served one after
    another do not, so fewer passes than generated tokens proves they ran in the same batch."""
    calls: list[int] = []
    forward = backend.model.forward

    def counting_forward(*args, **kwargs):
        calls.append(1)
        return forward(*args, **kwargs)

    monkeypatch.setattr(backend.model, "forward", counting_forward)
    return calls


def test_prompt_uses_the_chat_template(backend):
    text = backend.tokenizer.decode(backend.prompt_ids(MESSAGES))
    assert text.startswith("<|im_start|> system you are a kind tutor <|im_end|>")
    assert text.endswith("<|im_start|> assistant")


def test_stream_arrives_in_chunks_and_equals_greedy_generate(backend, greedy_reply):
    chunks = list(backend.stream(MESSAGES, max_new_tokens=NEW_TOKENS, temperature=0.0))
    assert len(chunks) >= 3
    assert "".join(chunks) == greedy_reply(MESSAGES)


def test_concurrent_streams_each_get_their_own_reply(backend, greedy_reply, greedy_tokens, forward_calls):
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def ask(n: int) -> None:
        try:
            results[n] = "".join(backend.stream(user_turn(n), max_new_tokens=NEW_TOKENS, temperature=0.0))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(results) == 8
    assert len(set(results.values())) > 1  # different prompts, different replies: mixing would show
    for n in range(8):
        assert results[n] == greedy_reply(user_turn(n))
    generated = sum(len(greedy_tokens(user_turn(n))) for n in range(8))
    assert len(forward_calls) < generated / 2  # they were decoded together, not one after another


def test_greedy_requests_stay_greedy_beside_sampled_ones(backend, greedy_reply):
    """The engine samples for the whole batch; a temperature-0 request must still get the argmax."""
    results: dict[int, str] = {}

    def ask(n: int) -> None:
        temperature = 0.0 if n % 2 == 0 else 1.2
        results[n] = "".join(backend.stream(user_turn(n), max_new_tokens=NEW_TOKENS, temperature=temperature))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(results[n] == greedy_reply(user_turn(n)) for n in (0, 2, 4))


def test_request_joining_while_others_decode_is_served(backend, greedy_reply, greedy_tokens, forward_calls):
    long_stream = backend.stream(MESSAGES, max_new_tokens=200, temperature=0.0)
    first = next(long_stream)  # the long request is now decoding; the engine runs on without a reader
    late = "".join(backend.stream(user_turn(3), max_new_tokens=NEW_TOKENS, temperature=0.0))
    long_reply = first + "".join(long_stream)
    assert late == greedy_reply(user_turn(3))
    assert long_reply == greedy_reply(MESSAGES, 200)
    # Served one after the other, the two would need a forward pass per token each.
    alone = len(greedy_tokens(MESSAGES, 200)) + len(greedy_tokens(user_turn(3)))
    assert len(forward_calls) < alone - NEW_TOKENS // 2


def test_temperature_above_zero_samples_instead_of_taking_the_argmax(backend):
    prompt = backend.prompt_ids(MESSAGES)
    greedy = [t for step in backend.batcher.token_stream(prompt, max_new_tokens=NEW_TOKENS, temperature=0.0)
              for t in step]
    sampled = [[t for step in backend.batcher.token_stream(prompt, max_new_tokens=NEW_TOKENS, temperature=1.5)
                for t in step] for _ in range(4)]
    assert any(tokens != greedy for tokens in sampled)


def test_abandoned_stream_does_not_block_others(backend, greedy_reply):
    abandoned = backend.stream(MESSAGES, max_new_tokens=60, temperature=0.0)
    next(abandoned)
    abandoned.close()  # the caller stopped reading: the request is cancelled
    assert "".join(backend.stream(MESSAGES, max_new_tokens=NEW_TOKENS, temperature=0.0)) == greedy_reply(MESSAGES)


def test_prompt_too_long_for_the_context_is_a_backend_error(backend):
    with pytest.raises(BackendError, match="context of 256 tokens"):
        list(backend.stream(MESSAGES, max_new_tokens=400))


def test_invalid_model_dir_names_the_path(tmp_path):
    missing = tmp_path / "no-model-here"
    with pytest.raises(BackendError, match=str(missing)):
        TransformersBackend(missing)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    with pytest.raises(BackendError, match=str(broken)):
        TransformersBackend(broken)


def test_generation_failure_reaches_the_caller_and_close_is_safe(model_dir):
    backend = TransformersBackend(model_dir, max_batch=4, max_context=128, token_timeout=10.0)

    def broken_forward(*args, **kwargs):
        raise RuntimeError("simulated device failure")

    backend.model.forward = broken_forward
    # The device failure itself reaches the caller, not the token timeout it would otherwise have waited for.
    with pytest.raises(BackendError, match="simulated device failure"):
        list(backend.stream(MESSAGES, max_new_tokens=8))
    closers = [threading.Thread(target=backend.close) for _ in range(3)]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join(timeout=30)
    with pytest.raises(BackendError, match="closed"):
        list(backend.stream(MESSAGES, max_new_tokens=8))


def test_multibyte_characters_split_across_tokens_come_out_whole():
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    core = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(sorted(alphabet))}, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core)
    text = "½ + ¼ = ¾ 🙂"
    ids = tokenizer(text)["input_ids"]
    assert len(ids) > len(text)  # the characters really are split over several tokens
    detokenizer = IncrementalDetokenizer(tokenizer)
    pieces = [detokenizer.push([token]) for token in ids] + [detokenizer.finish()]
    assert "".join(pieces) == text
    assert not any("\ufffd" in piece for piece in pieces)


def test_factory_builds_by_name_and_rejects_unknown_names(model_dir):
    remote = generative_backend(name="openai", options={"CAIRN_LLM_BASE_URL": "http://127.0.0.1:9/v1",
                                                        "CAIRN_LLM_MODEL": "m", "CAIRN_LLM_TIMEOUT": "2"})
    assert isinstance(remote, OpenAICompatibleBackend) and remote.timeout == 2.0
    local = generative_backend(name="transformers", options={"CAIRN_LLM_MODEL_DIR": str(model_dir),
                                                             "CAIRN_LLM_MAX_BATCH": "2"})
    try:
        assert isinstance(local, TransformersBackend)
        assert "".join(local.stream(MESSAGES, max_new_tokens=4, temperature=0.0))
    finally:
        local.close()
    with pytest.raises(ValueError, match="transformers, openai"):
        generative_backend(name="gpt", options={})
    with pytest.raises(BackendError, match="CAIRN_LLM_MODEL_DIR"):
        generative_backend(name="transformers", options={})


# --- OpenAI-compatible server -------------------------------------------------------------------------------

REPLY_PIECES = ["Let's ", "look at ", "the denominators ", "first."]


class ChatCompletions(BaseHTTPRequestHandler):
    """``POST /v1/chat/completions`` streaming server-sent events; the model name picks the behaviour."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path == "/v1/chat/completions" and body["stream"] is True
        if body["model"] == "broken":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"message": "model crashed", "type": "server_error"}}).encode())
            return
        if body["model"] == "slow":
            time.sleep(2.0)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for piece in REPLY_PIECES:
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except BrokenPipeError:
            pass  # the client gave up (the timeout test), as it should

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def chat_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_stream_arrives_in_chunks(chat_server):
    backend = OpenAICompatibleBackend(chat_server, model="tutor", timeout=5.0)
    assert list(backend.stream(MESSAGES)) == REPLY_PIECES


def test_openai_server_error_is_a_clear_backend_error(chat_server):
    backend = OpenAICompatibleBackend(chat_server, model="broken", timeout=5.0, max_retries=0)
    with pytest.raises(BackendError, match=r"model server at .*127\.0\.0\.1.* answered HTTP 500"):
        list(backend.stream(MESSAGES))


def test_openai_unreachable_server_is_a_clear_backend_error():
    backend = OpenAICompatibleBackend("http://127.0.0.1:9/v1", model="tutor", timeout=2.0, max_retries=0)
    with pytest.raises(BackendError, match=r"cannot reach the model server at http://127\.0\.0\.1:9/v1"):
        list(backend.stream(MESSAGES))


def test_openai_slow_server_times_out(chat_server):
    backend = OpenAICompatibleBackend(chat_server, model="slow", timeout=0.5, max_retries=0)
    with pytest.raises(BackendError, match="did not answer within 0.5 s"):
        list(backend.stream(MESSAGES))
