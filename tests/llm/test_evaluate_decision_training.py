"""Training the decision heads, storing them as versions, and the training CLI.

Tests that read the real corpora skip when ../shared/data is absent; the others build their own features.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from llm.decision_features import CRITIC_DIMENSIONS
from llm.decision_models import (
    DecisionHead,
    DecisionModels,
    HeadConfig,
    TrainedHead,
    decision_models_load,
    head_probabilities,
)
from llm.evaluate.decision_training import decision_models_save, head_train
from llm.evaluate.train_decisions import main
from llm.labels import BRIDGE_ERROR_TYPES

torch.set_num_threads(2)  # the test machines are shared


def _blob_head(*, seed: int = 0):
    """A head trained on three well-separated Gaussian blobs, 20 conversations of 6 rows each."""
    rng = np.random.default_rng(seed)
    labels = ("a", "b", "c")
    centres = rng.normal(size=(3, 16)) * 4
    targets = [labels[i % 3] for i in range(120)]
    features = np.stack([centres[labels.index(t)] + rng.normal(size=16) for t in targets]).astype(np.float32)
    conversations = [f"c{i // 6}" for i in range(120)]
    head = head_train(
        labels=labels, features=features, targets=targets, conversation_ids=conversations, feature_kind="move",
        seed=seed, max_epochs=40,
    )
    return head, features


@pytest.mark.slow
def test_head_trained_on_small_slice_predicts_a_valid_label_distribution() -> None:
    head, features = _blob_head()
    models = DecisionModels(heads={"move": head}, seed=0)
    probabilities = head_probabilities(models, head="move", features=features)
    assert probabilities.shape == (120, 3)
    assert np.all(probabilities >= 0) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert head.validation["accuracy"] > 0.9  # the blobs are separable: a head that learned nothing fails


def _random_head(*, seed: int = 0):
    """A head with random weights and standardisation, as training leaves one (eval mode), and 40 feature rows."""
    torch.manual_seed(seed)
    config = HeadConfig(hidden=8, dropout=0.5, l2=1e-3)
    module = DecisionHead(input_dim=16, n_classes=3, config=config)
    with torch.no_grad():
        module.mean.normal_()
        module.scale.uniform_(0.5, 2.0)
    module.eval()
    head = TrainedHead(labels=("a", "b", "c"), features="move", config=config, module=module,
                       validation={"macro_f1": 0.5, "accuracy": 0.5, "n": 40, "n_train": 80})
    return head, np.random.default_rng(seed).normal(size=(40, 16)).astype(np.float32)


def test_save_then_load_round_trips_predictions_exactly_and_latest_names_newest(tmp_path: Path) -> None:
    head, features = _random_head()
    models = DecisionModels(heads={"move": head}, seed=0)
    first = decision_models_save(models, root=tmp_path)
    second = decision_models_save(models, root=tmp_path)

    assert (tmp_path / "LATEST").read_text().strip() == second.name
    assert sorted([first.name, second.name]) == [first.name, second.name]
    loaded = decision_models_load(root=tmp_path)
    assert loaded.version == second.name
    np.testing.assert_array_equal(
        head_probabilities(loaded, head="move", features=features),
        head_probabilities(models, head="move", features=features),
    )
    assert decision_models_load(root=tmp_path, version=first.name).heads["move"].labels == ("a", "b", "c")
    assert loaded.heads["move"].config == head.config and loaded.heads["move"].validation == head.validation
    assert not list(tmp_path.glob(".*"))  # no staging folder or temporary pointer left behind


def test_train_cli_exits_2_with_a_message_on_missing_data_dir(tmp_path: Path, capsys) -> None:
    assert main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "nowhere" in error and "missing" in error
    assert not (tmp_path / "LATEST").exists()


@pytest.mark.slow
def test_training_on_a_slice_writes_a_version_folder_with_manifest(small_models) -> None:
    models, folder = small_models
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (folder / "heads.pt").is_file()
    assert (folder.parent / "LATEST").read_text().strip() == folder.name == manifest["version"]
    expected = {"error", "strategy", "intention", "move", *(f"critic_{d}" for d in CRITIC_DIMENSIONS)}
    assert set(manifest["heads"]) == expected
    assert manifest["heads"]["error"]["labels"] == list(BRIDGE_ERROR_TYPES)
    assert all(0 <= head["validation"]["macro_f1"] <= 1 for head in manifest["heads"].values())
    assert set(manifest["data_hashes"]) and all(len(h) == 64 for h in manifest["data_hashes"].values())
