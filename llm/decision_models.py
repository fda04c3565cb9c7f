"""The decision models at run time: load a stored version, predict the heads, rank replies with the critic.

Heads (small classifiers over the features of ``llm.decision_features``, trained by
``llm.evaluate.decision_training``):

- ``error``, ``strategy``, ``intention`` (Bridge): the remediation decisions, given a dialogue that ends in the
  student's turn;
- ``move`` (MathDial): the move a tutor utterance makes, focus / probing / telling / generic;
- ``critic_<dimension>`` (MRBench): how a tutor reply rates on one pedagogical dimension given the dialogue.

Storage: a version is ``<root>/<UTC timestamp>-<hash>/`` with ``manifest.json`` (per head: labels, feature
builder, input size, ``HeadConfig``, validation scores) and ``heads.pt`` (state dicts only, loaded with
``weights_only=True``); ``<root>/LATEST`` names the current one. This module reads numpy, torch and the encoder
only: no training library, no corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from llm.decision_features import (
    CRITIC_DIMENSIONS,
    REMEDIATION_FEATURES,
    REMEDIATION_HEADS,
    Turn,
    critic_features,
    move_features,
    remediation_features,
)


@dataclass(frozen=True)
class HeadConfig:
    hidden: int  # 0: linear
    dropout: float
    l2: float  # penalty on the squared weights (not biases), added to the mean loss
    lr: float = 1e-3


class DecisionHead(nn.Module):
    """x -> (x - mean) / scale -> dropout -> linear, or -> linear -> ReLU -> dropout -> linear; gives logits."""

    def __init__(self, *, input_dim: int, n_classes: int, config: HeadConfig) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(input_dim))
        self.register_buffer("scale", torch.ones(input_dim))
        if config.hidden:
            self.net = nn.Sequential(
                nn.Dropout(config.dropout), nn.Linear(input_dim, config.hidden), nn.ReLU(),
                nn.Dropout(config.dropout), nn.Linear(config.hidden, n_classes),
            )
        else:
            self.net = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(input_dim, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, input_dim) -> (n, n_classes)
        return self.net((x - self.mean) / self.scale)


@dataclass
class TrainedHead:
    labels: tuple[str, ...]
    features: str  # "remediation", "move" or "critic": which feature builder feeds it
    config: HeadConfig
    module: DecisionHead
    validation: dict[str, float]  # macro_f1, accuracy, n on the validation part, and n_train


@dataclass
class DecisionModels:
    heads: dict[str, TrainedHead]
    seed: int  # the seed of the conversation splits: evaluation rebuilds the same held-out parts from it
    data_hashes: dict[str, str] = field(default_factory=dict)
    version: str | None = None  # set once saved or loaded


@dataclass(frozen=True)
class RemediationScores:
    error: dict[str, float]
    strategy: dict[str, float]
    intention: dict[str, float]


class DecisionModelsOutdated(ValueError):
    """A stored version was trained on features this code no longer computes."""


def decision_models_load(*, root: Path, version: str | None = None) -> DecisionModels | None:
    """The models of ``version``, or of the version LATEST names; None when nothing was ever saved under root."""
    if version is None:
        latest = root / "LATEST"
        if not latest.is_file():
            return None
        version = latest.read_text().strip()
    folder = root / version
    manifest = json.loads((folder / "manifest.json").read_text())
    states = torch.load(folder / "heads.pt", weights_only=True)
    heads = {}
    for name, spec in manifest["heads"].items():
        config = HeadConfig(**spec["config"])
        module = DecisionHead(input_dim=spec["input_dim"], n_classes=len(spec["labels"]), config=config)
        module.load_state_dict(states[name])
        module.eval()
        heads[name] = TrainedHead(
            labels=tuple(spec["labels"]), features=spec["features"], config=config, module=module,
            validation=spec["validation"],
        )
    stale = [name for name in REMEDIATION_HEADS if name in heads and heads[name].features != REMEDIATION_FEATURES]
    if stale:
        raise DecisionModelsOutdated(f"decision models {version} under {root}: heads {stale} were trained on older "
                                     "features; retrain with python -m llm.evaluate.train_decisions")
    return DecisionModels(heads=heads, seed=manifest["seed"], data_hashes=manifest["data_hashes"], version=version)


def head_probabilities(models: DecisionModels, *, head: str, features: np.ndarray) -> np.ndarray:
    """P(label) for each feature row, shape (n, number of the head's labels), columns in the head's label order."""
    with torch.no_grad():
        logits = models.heads[head].module(torch.as_tensor(features, dtype=torch.float32))
    return torch.softmax(logits, dim=1).numpy()


def _distribution(models: DecisionModels, head: str, row: np.ndarray) -> dict[str, float]:
    return dict(zip(models.heads[head].labels, (float(p) for p in row), strict=True))


def remediation_predict(models: DecisionModels, *, dialogue: Sequence[Turn], topic: str = "") -> RemediationScores:
    """The error type, strategy and intention distributions for a dialogue ending in the student's turn."""
    features = remediation_features(dialogues=[dialogue], topics=[topic])
    error, strategy, intention = (
        _distribution(models, name, head_probabilities(models, head=name, features=features)[0])
        for name in REMEDIATION_HEADS
    )
    return RemediationScores(error=error, strategy=strategy, intention=intention)


def move_predict(models: DecisionModels, *, text: str) -> dict[str, float]:
    """P(move) of a tutor utterance over focus / probing / telling / generic."""
    probabilities = head_probabilities(models, head="move", features=move_features(texts=[text]))
    return _distribution(models, "move", probabilities[0])


def _desirable_probabilities(models: DecisionModels, *, features: np.ndarray) -> dict[str, np.ndarray]:
    result = {}
    for dimension, (_, desirable) in CRITIC_DIMENSIONS.items():
        head = f"critic_{dimension}"
        column = models.heads[head].labels.index(desirable)
        result[dimension] = head_probabilities(models, head=head, features=features)[:, column]
    return result


def reply_critique(models: DecisionModels, *, dialogue: Sequence[Turn], reply: str) -> dict[str, float]:
    """Per MRBench dimension, the probability that ``reply`` gets the desirable rating (e.g. does not reveal)."""
    features = critic_features(dialogues=[dialogue], replies=[reply])
    return {dimension: float(p[0]) for dimension, p in _desirable_probabilities(models, features=features).items()}


def reply_rank(models: DecisionModels, *, dialogue: Sequence[Turn], replies: Sequence[str]) -> list[int]:
    """Indices of ``replies``, best first by mean desirable probability over the dimensions; ties keep input order."""
    if not replies:
        return []
    features = critic_features(dialogues=[dialogue] * len(replies), replies=replies)
    mean = np.mean(list(_desirable_probabilities(models, features=features).values()), axis=0)
    return sorted(range(len(replies)), key=lambda i: -mean[i])
