"""How fast the local transformers backend serves tutor turns on one GPU.

    python -m llm.evaluate.gpu_bench --out DIR

The model has Qwen2.5-1.5B-Instruct's architecture (config written below, random bf16 weights: speed does not
depend on what the weights say) and is fed token ids, so no download and no tokenizer. It measures

(a) ``model.generate`` as the baseline: batch 1 and 64, 256-token prompts, 128 new tokens, greedy;
(b) decode latency per token at batch 1, through ``generate`` and through the serving engine;
(c) tutor turns through ``ContinuousBatcher`` (the engine ``TransformersBackend`` uses): each session runs
    turns of three calls in sequence (two short agent calls and the reply) while other sessions' requests join
    and leave the running batch; aggregate new tokens/s and p50 / p95 turn latency at 1, 8, 32, 64 sessions.

EOS is disabled everywhere so every call generates exactly the tokens asked for. Results go to
DIR/results.json and DIR/results.md. Without CUDA it refuses (exit 2) unless ``--allow-cpu --tiny`` is given,
which runs the same code on a tiny config so the script itself can be tested anywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import transformers
from transformers import Qwen2Config, Qwen2ForCausalLM

from llm.backends.local_transformers import ContinuousBatcher

# What the report is judged against on an H100.
TARGET_DECODE_MS = 8.0
TARGET_TOKENS_PER_S_AT_64 = 3000.0
TARGET_P50_TURN_S_AT_32 = 1.0


@dataclass(frozen=True)
class Workload:
    prompt_tokens: int
    baseline_new_tokens: int
    baseline_batches: tuple[int, ...]
    short_call_tokens: int  # the Diagnostician's and the Planner's calls
    reply_tokens: int  # the Tutor's reply
    sessions: tuple[int, ...]
    turns_per_session: int


FULL = Workload(prompt_tokens=256, baseline_new_tokens=128, baseline_batches=(1, 64), short_call_tokens=32,
                reply_tokens=128, sessions=(1, 8, 32, 64), turns_per_session=3)
TINY = Workload(prompt_tokens=32, baseline_new_tokens=8, baseline_batches=(1, 4), short_call_tokens=4,
                reply_tokens=12, sessions=(1, 8), turns_per_session=2)


def qwen25_1_5b_config() -> Qwen2Config:
    """Qwen2.5-1.5B-Instruct's published config.json (qkv bias is Qwen2's default)."""
    return Qwen2Config(
        vocab_size=151936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
        num_key_value_heads=2, hidden_act="silu", max_position_embeddings=32768, rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, tie_word_embeddings=True,
        use_sliding_window=False, max_window_layers=21, bos_token_id=None, eos_token_id=None,
    )


def tiny_config() -> Qwen2Config:
    return Qwen2Config(
        vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True, eos_token_id=None,
    )


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def random_prompt(*, rng: random.Random, length: int, vocab_size: int) -> list[int]:
    return [rng.randrange(vocab_size) for _ in range(length)]


def bench_generate(model: Qwen2ForCausalLM, *, batch: int, workload: Workload, static_cache: bool) -> dict:
    """Time ``model.generate`` for one batch; prefill is timed apart (1 new token) to isolate decode."""
    rng = random.Random(batch)
    prompts = torch.tensor(
        [random_prompt(rng=rng, length=workload.prompt_tokens, vocab_size=model.config.vocab_size)
         for _ in range(batch)], device=model.device,
    )
    extra = {"cache_implementation": "static"} if static_cache else {}

    def run(new_tokens: int) -> float:
        synchronize(model.device)
        started = time.perf_counter()
        model.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=new_tokens,
                       min_new_tokens=new_tokens, do_sample=False, pad_token_id=0, **extra)
        synchronize(model.device)
        return time.perf_counter() - started

    run(workload.baseline_new_tokens)  # warm-up: kernels, allocator, compilation with a static cache
    prefill_s = run(1)
    total_s = run(workload.baseline_new_tokens)
    decode_ms = (total_s - prefill_s) / (workload.baseline_new_tokens - 1) * 1000
    return {"batch": batch, "seconds": total_s, "prefill_s": prefill_s, "decode_ms_per_token": decode_ms,
            "tokens_per_s": batch * workload.baseline_new_tokens / total_s}


def bench_engine_decode(batcher: ContinuousBatcher, *, workload: Workload, vocab_size: int) -> dict:
    """Gaps between consecutive tokens of one request alone in the engine (batch 1)."""
    prompt = random_prompt(rng=random.Random(0), length=workload.prompt_tokens, vocab_size=vocab_size)
    for _ in batcher.token_stream(prompt, max_new_tokens=8, temperature=0.0):  # warm-up
        pass
    arrivals = []
    started = time.perf_counter()
    for step in batcher.token_stream(prompt, max_new_tokens=workload.baseline_new_tokens, temperature=0.0):
        arrivals.extend([time.perf_counter()] * len(step))
    first_token_s = arrivals[0] - started
    gaps_ms = [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False) if b > a]
    steady_ms = (arrivals[-1] - arrivals[0]) * 1000 / (len(arrivals) - 1)
    return {"first_token_s": first_token_s, "decode_ms_per_token": steady_ms,
            "median_gap_ms": statistics.median(gaps_ms) if gaps_ms else steady_ms, "tokens": len(arrivals)}


def bench_tutor_turns(batcher: ContinuousBatcher, *, sessions: int, workload: Workload, vocab_size: int) -> dict:
    """``sessions`` threads each run tutor turns (short, short, reply); they start a few ms apart so requests
    keep joining and leaving the running batch instead of marching in lockstep."""
    calls = (workload.short_call_tokens, workload.short_call_tokens, workload.reply_tokens)
    turn_seconds: list[float] = []
    generated = [0] * sessions
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(sessions + 1)

    def session(index: int) -> None:
        rng = random.Random(1000 + index)
        try:
            start.wait()
            time.sleep(rng.uniform(0, 0.05))
            for _ in range(workload.turns_per_session):
                turn_started = time.perf_counter()
                for new_tokens in calls:
                    prompt = random_prompt(rng=rng, length=workload.prompt_tokens, vocab_size=vocab_size)
                    for step in batcher.token_stream(prompt, max_new_tokens=new_tokens, temperature=0.7):
                        generated[index] += len(step)
                with lock:
                    turn_seconds.append(time.perf_counter() - turn_started)
        except BaseException as error:  # noqa: BLE001 - re-raised by the main thread
            errors.append(error)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall_s = time.perf_counter() - started
    if errors:
        raise errors[0]
    ordered = sorted(turn_seconds)
    return {"sessions": sessions, "turns": len(ordered), "wall_s": wall_s, "new_tokens": sum(generated),
            "tokens_per_s": sum(generated) / wall_s, "p50_turn_s": percentile(ordered, 0.50),
            "p95_turn_s": percentile(ordered, 0.95)}


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run_bench(
    *, device: torch.device, tiny: bool, compile: bool, cuda_graphs: bool | None, log: Callable[[str], None]
) -> dict:
    workload = TINY if tiny else FULL
    config = tiny_config() if tiny else qwen25_1_5b_config()
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(config).to(dtype).eval()
    model.set_attn_implementation("sdpa")  # the engine upgrades it to flash attention when that is installed
    log(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters, {dtype}, {device}")

    baseline = []
    for batch in workload.baseline_batches:
        baseline.append(bench_generate(model, batch=batch, workload=workload, static_cache=compile))
        log(f"generate batch {batch}: {baseline[-1]['tokens_per_s']:.0f} tok/s, "
            f"{baseline[-1]['decode_ms_per_token']:.2f} ms/token decode")

    # The engine sizes its paged cache from free GPU memory, so it starts after the baseline is done and
    # after the allocator has handed back what generate's caches used.
    if device.type == "cuda":
        torch.cuda.empty_cache()
    batcher = ContinuousBatcher(
        model, eos_token_ids=[], max_batch=max(workload.sessions),
        max_context=workload.prompt_tokens + max(workload.baseline_new_tokens, workload.reply_tokens) + 64,
        token_timeout=120.0, compile=compile, cuda_graphs=cuda_graphs,
    )
    engine = batcher.engine_settings()
    log(f"engine: {engine}")
    try:
        engine_decode = bench_engine_decode(batcher, workload=workload, vocab_size=config.vocab_size)
        log(f"engine batch 1: {engine_decode['decode_ms_per_token']:.2f} ms/token, "
            f"first token {engine_decode['first_token_s'] * 1000:.0f} ms")
        # One unmeasured pass at the largest load, so graph captures and allocator growth are not timed.
        bench_tutor_turns(batcher, sessions=max(workload.sessions), workload=replace(workload, turns_per_session=1),
                          vocab_size=config.vocab_size)
        turns = []
        for sessions in workload.sessions:
            turns.append(bench_tutor_turns(batcher, sessions=sessions, workload=workload,
                                           vocab_size=config.vocab_size))
            log(f"{sessions} sessions: {turns[-1]['tokens_per_s']:.0f} tok/s, "
                f"p50 turn {turns[-1]['p50_turn_s']:.3f} s, p95 {turns[-1]['p95_turn_s']:.3f} s")
    finally:
        batcher.close()

    by_sessions = {row["sessions"]: row for row in turns}
    targets = {
        "batch1_decode_ms<=8": engine_decode["decode_ms_per_token"] <= TARGET_DECODE_MS,
        "tokens_per_s_at_64>=3000": 64 in by_sessions
        and by_sessions[64]["tokens_per_s"] >= TARGET_TOKENS_PER_S_AT_64,
        "p50_turn_at_32<=1s": 32 in by_sessions and by_sessions[32]["p50_turn_s"] <= TARGET_P50_TURN_S_AT_32,
    }
    return {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "tiny": tiny, "compile": compile, "engine": engine, "dtype": str(dtype).removeprefix("torch."),
        "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version(),
        "model": "tiny Qwen2" if tiny else "Qwen2.5-1.5B architecture, random weights",
        "workload": asdict(workload), "sessions": list(workload.sessions),
        "generate_baseline": baseline, "engine_decode_batch1": engine_decode, "tutor_turns": turns,
        "targets_met": targets,
    }


def results_markdown(report: dict) -> str:
    w = report["workload"]
    lines = [
        "# Local transformers backend: GPU bench",
        "",
        f"- device: **{report['device']}**; torch {report['torch']}, transformers {report['transformers']}, "
        f"{report['dtype']}",
        f"- engine: attention {report['engine']['attn_implementation']}, CUDA graphs (varlen, decode) "
        f"{report['engine']['use_cuda_graph']}, async batching {report['engine']['use_async_batching']}, "
        f"torch.compile {'on' if report['engine']['compile'] else 'off'}",
        f"- model: {report['model']}",
        f"- prompts {w['prompt_tokens']} tokens; tutor turn = calls of {w['short_call_tokens']}, "
        f"{w['short_call_tokens']} and {w['reply_tokens']} new tokens; {w['turns_per_session']} turns per session",
        "",
        "## model.generate baseline (greedy)",
        "",
        "| batch | new tokens | seconds | tokens/s | decode ms/token |",
        "|---|---|---|---|---|",
    ]
    for row in report["generate_baseline"]:
        lines.append(f"| {row['batch']} | {w['baseline_new_tokens']} | {row['seconds']:.3f} | "
                     f"{row['tokens_per_s']:.0f} | {row['decode_ms_per_token']:.2f} |")
    decode = report["engine_decode_batch1"]
    lines += [
        "",
        "## Serving engine (ContinuousBatcher over transformers continuous batching)",
        "",
        f"Batch 1: {decode['decode_ms_per_token']:.2f} ms/token (median gap {decode['median_gap_ms']:.2f} ms), "
        f"first token after {decode['first_token_s'] * 1000:.0f} ms.",
        "",
        "| sessions | turns | new tokens | wall s | tokens/s | p50 turn s | p95 turn s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["tutor_turns"]:
        lines.append(f"| {row['sessions']} | {row['turns']} | {row['new_tokens']} | {row['wall_s']:.2f} | "
                     f"{row['tokens_per_s']:.0f} | {row['p50_turn_s']:.3f} | {row['p95_turn_s']:.3f} |")
    lines += ["", "## Targets (judged on an H100; not meaningful for a --tiny CPU run)", ""]
    lines += [f"- {name}: {'met' if met else 'NOT met'}" for name, met in report["targets_met"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm.evaluate.gpu_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for results.md and results.json")
    parser.add_argument("--allow-cpu", action="store_true", help="run without CUDA (only with --tiny)")
    parser.add_argument("--tiny", action="store_true", help="a tiny model and workload, to test the script")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile in the engine, static cache in the generate baseline")
    parser.add_argument("--cuda-graphs", choices=["auto", "on", "off"], default="auto",
                        help="CUDA graphs in the engine (auto: the library's rule)")
    args = parser.parse_args(argv)

    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif args.allow_cpu and args.tiny:
        device = torch.device("cpu")
    else:
        print("llm.evaluate.gpu_bench measures GPU serving and needs CUDA, which this machine does not have. "
              "To test the script itself on CPU, pass --allow-cpu --tiny.", file=sys.stderr)
        return 2

    cuda_graphs = {"auto": None, "on": True, "off": False}[args.cuda_graphs]
    report = run_bench(device=device, tiny=args.tiny, compile=args.compile, cuda_graphs=cuda_graphs,
                       log=lambda line: print(line, flush=True))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2))
    (args.out / "results.md").write_text(results_markdown(report))
    print(f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
