"""Measure the tutor: decision models, move classifier, critic, tutoring episodes and planning.

    python -m llm.evaluate --out DIR [--course FILE] [--data DIR] [--models DIR]
                           [--backend template|transformers|openai] [--episodes N] [--learners N] [--seed N]

Writes DIR/results.json and DIR/results.md. Decision models come from --models (trained there first when none
is); a generative backend reads its settings from the CAIRN_LLM_* environment variables, and its episodes are
reported next to the template tutor's. The planning section simulates learners on the demo course when its file
is given (--course tutoring/demo/course.yaml), and on the Junyi graph under --data, and measures the app's practice
policy against its baselines (results.json "policy": items to mastery and what is retained 30 days on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from knowledge.evaluate.datasets import data_dir_default
from llm.backends.generative import generative_options


def _table(rows: list[list[Any]], header: list[str]) -> list[str]:
    def cell(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else "–" if value is None else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def results_markdown(results: dict[str, Any]) -> str:
    lines = ["# Tutor evaluation", ""]
    decisions, reference = results["decisions"], results["reference"]["gpt4"]
    godel = results["reference"]["godel_finetuned"]
    lines += ["## Remediation decisions (Bridge test set, deduplicated)", ""]
    versus = results["versus_gpt4"]

    def difference(head: str) -> str:
        low, high = versus[head]["interval_95"]
        return f"{versus[head]['macro_f1_difference']:+.3f} [{low:+.3f}, {high:+.3f}]"

    lines += _table([[head, decisions[head]["macro_f1"], reference[head]["macro_f1"], difference(head),
                      versus[head]["share_ours_higher"], decisions[head]["accuracy"], reference[head]["accuracy"],
                      godel[head]["macro_f1"], decisions[head].get("n")]
                     for head in ("error", "strategy", "intention")],
                    ["head", "ours macro-F1", "GPT-4 macro-F1", "difference [95 % paired bootstrap]",
                     "P(ours higher)", "ours accuracy", "GPT-4 accuracy", "fine-tuned GODEL macro-F1", "n"])
    lines += ["", "## Tutor moves (MathDial, held-out conversations)", ""]
    lines += _table([[key, value] for key, value in results["moves"].items() if not isinstance(value, dict)],
                    ["metric", "value"])
    lines += ["", "## Response critic (MRBench, held-out conversations)", ""]
    critic = results["critic"]
    per_dimension = critic.get("dimensions", {})
    lines += _table([[name, values.get("macro_f1"), values.get("accuracy"), values.get("n")]
                     for name, values in per_dimension.items()], ["dimension", "macro-F1", "accuracy", "n"])
    lines += ["", "## Tutoring episodes (MathDial test problems, simulated student)", ""]
    lines += _table([[name, run["n"], run["telling_rate"], run["telling_rate_all_replies"], run["solved_rate"],
                      run["turns_to_correct"]] for name, run in results["episodes"]["by_backend"].items()],
                    ["backend", "episodes", "telling before attempt", "telling (all replies)", "solved",
                     "turns to correct"])
    for name, run in results["episodes"]["by_backend"].items():
        if run.get("critic"):
            lines += ["", f"Critic's view of the {name} replies (P(desirable rating), mean):", ""]
            lines += _table([[dimension, value] for dimension, value in run["critic"].items()],
                            ["dimension", "mean"])
    lines += ["", "## Practice policies on simulated learners (items to mastery, retained 30 days on)", ""]
    for graph, policies in results["policy"].items():
        if "planner" not in policies:
            continue
        lines += [f"### {graph}", ""]
        detail = results["planning"][graph]
        lines += _table([[policy, values["items_to_mastery"], detail[policy]["p90"], values["retained_30d"]]
                         for policy, values in policies.items()],
                        ["policy", "items to mastery (mean)", "p90", "retained after 30 days"])
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=data_dir_default())
    parser.add_argument("--models", type=Path, default=Path("var/decision-models"))
    parser.add_argument("--backend", choices=("template", "transformers", "openai"), default="template")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--course", type=Path, default=None,
                        help="the demo course file (tutoring/demo/course.yaml) for the planning section")
    args = parser.parse_args(argv)
    if not (args.data / "bridge").is_dir() or not (args.data / "mathdial").is_dir():
        print(f"error: {args.data} does not hold the bridge/ and mathdial/ data sets", file=sys.stderr)
        return 2
    if args.course is not None and not args.course.is_file():
        print(f"error: no course file at {args.course}", file=sys.stderr)
        return 2
    if args.episodes < 1 or args.learners < 1:
        print("error: --episodes and --learners must be at least 1", file=sys.stderr)
        return 2

    from llm.decision_models import decision_models_load
    from llm.evaluate.decision_training import decision_models_save, decision_models_train
    from llm.evaluate.decisions import critic_evaluate, moves_evaluate, remediation_evaluate
    from llm.evaluate.episodes import episodes_evaluate
    from llm.evaluate.planning import planning_evaluate

    started = time.perf_counter()
    models = decision_models_load(root=args.models)
    if models is None:
        print(f"No trained decision models under {args.models}: training them first.", file=sys.stderr)
        models = decision_models_train(data_dir=args.data, seed=args.seed)
        decision_models_save(models, root=args.models)
    results: dict[str, Any] = {"decision_models_version": models.version, "seed": args.seed}
    results.update(remediation_evaluate(models, data_dir=args.data))
    results["moves"] = moves_evaluate(models, data_dir=args.data)
    results["critic"] = critic_evaluate(models, data_dir=args.data)
    backends = ["template"] if args.backend == "template" else ["template", args.backend]
    options = generative_options(os.environ)
    runs = {name: episodes_evaluate(data_dir=args.data, backend=name, backend_options=options,
                                    decision_models=models, n=args.episodes, seed=args.seed) for name in backends}
    results["episodes"] = {**runs["template"], "by_backend": runs}
    results.update(planning_evaluate(course_file=args.course, seed=args.seed, n_learners=args.learners,
                                     data_dir=args.data))
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(results_markdown(results))
    print((args.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
