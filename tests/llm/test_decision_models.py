"""The decision models at run time: loading a stored version, the agents' questions, and what serving imports.

Training and storage are tested in test_evaluate_decision_training, the features in test_decision_features.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from llm.decision_features import CRITIC_DIMENSIONS, MOVES, REMEDIATION_FEATURES
from llm.decision_models import (
    DecisionModelsOutdated,
    decision_models_load,
    move_predict,
    remediation_predict,
    reply_critique,
    reply_rank,
)
from llm.labels import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_serving_imports_no_training_library_and_no_corpus():
    # torch itself imports tqdm (torch.hub), so what serving adds is compared with what numpy and torch bring.
    probe = textwrap.dedent("""
        import sys
        import numpy, torch
        before = set(sys.modules)
        import llm.decision_models
        added = set(sys.modules) - before
        print(sorted(name for name in added if name.split(".")[0] in ("sklearn", "tqdm")
                     or name.startswith(("llm.evaluate", "knowledge"))))
        print("sklearn" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["[]", "False"]


def test_load_returns_none_when_nothing_was_trained(tmp_path: Path) -> None:
    assert decision_models_load(root=tmp_path) is None


def _version_write(root: Path, *, version: str, features: str) -> None:
    """A version folder as training has always written it: manifest.json, heads.pt of state dicts, LATEST."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 2)
    state = {"mean": torch.zeros(8), "scale": torch.ones(8), "net.1.weight": linear.weight.detach(),
             "net.1.bias": linear.bias.detach()}
    (root / version).mkdir(parents=True)
    torch.save({"error": state}, root / version / "heads.pt")
    manifest = {"version": version, "created": "2025-01-01T00:00:00+00:00", "encoder": "MiniLM", "seed": 3,
                "data_hashes": {"bridge/dataset/test.json": "0" * 64},
                "heads": {"error": {"labels": ["guess", "careless"], "features": features, "input_dim": 8,
                                    "config": {"hidden": 0, "dropout": 0.0, "l2": 0.5, "lr": 0.001},
                                    "validation": {"macro_f1": 0.3, "accuracy": 0.4, "n": 10, "n_train": 40}}}}
    (root / version / "manifest.json").write_text(json.dumps(manifest))
    (root / "LATEST").write_text(version + "\n")


def test_a_stored_version_loads_with_its_labels_seed_and_weights(tmp_path: Path) -> None:
    _version_write(tmp_path, version="20250101T000000000000Z-abcdef12", features=REMEDIATION_FEATURES)

    models = decision_models_load(root=tmp_path)

    assert models.version == "20250101T000000000000Z-abcdef12" and models.seed == 3
    head = models.heads["error"]
    assert head.labels == ("guess", "careless") and head.config.l2 == 0.5 and head.validation["n"] == 10
    assert torch.equal(head.module.net[1].weight, torch.load(tmp_path / models.version / "heads.pt")["error"]
                       ["net.1.weight"])


def test_a_version_trained_on_older_features_is_refused_with_the_retraining_command(tmp_path: Path) -> None:
    _version_write(tmp_path, version="20240101T000000000000Z-00000000", features="remediation")

    with pytest.raises(DecisionModelsOutdated, match="python -m llm.evaluate.train_decisions"):
        decision_models_load(root=tmp_path)


@pytest.mark.slow
def test_loaded_models_answer_the_agents_questions(small_models) -> None:
    _, folder = small_models
    models = decision_models_load(root=folder.parent)
    dialogue = [("tutor", "What is 7 x 8?"), ("student", "54")]

    scores = remediation_predict(models, dialogue=dialogue, topic="Multiplication facts")
    for distribution, labels in ((scores.error, BRIDGE_ERROR_TYPES), (scores.strategy, STRATEGIES),
                                 (scores.intention, INTENTIONS)):
        assert tuple(distribution) == labels and abs(sum(distribution.values()) - 1) < 1e-5
    assert set(move_predict(models, text="The answer is 56.")) == set(MOVES)

    critique = reply_critique(models, dialogue=dialogue, reply="Close! Can you count up from 7 x 7 = 49?")
    assert set(critique) == set(CRITIC_DIMENSIONS) and all(0 <= p <= 1 for p in critique.values())
    replies = ["The answer is 56.", "Close! What is 7 x 7, and how many more is one more 7?", "ok"]
    assert sorted(reply_rank(models, dialogue=dialogue, replies=replies)) == [0, 1, 2]
