"""Small classifiers over sentence embeddings that give the agents their decisions, and their versioned storage.

Heads, all read through the frozen MiniLM encoder (``llm.encoder``):

- ``error``, ``strategy``, ``intention`` (Bridge, trained by ``remediation_head_train``): class-balanced,
  ridge-penalised logistic regression over the embeddings of the lesson topic with the last four turns, of the
  student's last turn, of the tutor's turn before it and of the topic alone, plus a few hand-made cues about the
  student's answer (``remediation_cues``). Both experts' annotations of a double-annotated train snippet are
  training rows. With ~245 snippets this beat the hidden-layer and early-stopped heads in grouped
  cross-validation on the train part (see ``REMEDIATION_C``);
- ``move`` (MathDial): the move a tutor utterance makes, focus / probing / telling / generic;
- ``critic_<dimension>`` (MRBench): how a tutor reply rates on one pedagogical dimension given the dialogue,
  from the context, the reply and their element-wise product (how well the reply fits what was said).

The other heads (``head_train``) standardise their input, then are either linear or have one hidden layer; both
have dropout, learn with class-weighted cross-entropy (rare decisions count as much as common ones) and stop
early on a validation part carved by conversation out of the training data. The shape (linear or hidden layer) is
chosen on that validation part too; test data are never looked at while training.

Storage: ``decision_models_save`` writes ``<root>/<UTC timestamp>-<hash>/`` with ``manifest.json`` and
``heads.pt`` (state dicts only, loadable with ``weights_only=True``), then points ``<root>/LATEST`` at it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from torch import nn
from tqdm import tqdm

from llm.agents.schema import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES
from llm.corpora import (
    CRITIC_DIMENSIONS,
    MOVES,
    RemediationExample,
    Turn,
    bridge_load,
    conversation_holdout,
    corpus_files_hash,
    mathdial_moves_load,
    mrbench_load,
)
from llm.encoder import ENCODER_NAME, text_embed

REMEDIATION_HEADS = {"error": BRIDGE_ERROR_TYPES, "strategy": STRATEGIES, "intention": INTENTIONS}
CONTEXT_TURNS = 4  # Bridge snippets hold four turns; predicting from more would read text unlike the training data
REMEDIATION_FEATURES = "remediation-v2"  # the feature builder's name in manifests: v1 (768 dims) is not readable

# Inverse ridge strength of the Bridge heads' logistic regression (sklearn's C, balanced class weights, no prior
# shift). Chosen by grouped 5-fold cross-validation on Bridge's train part (3 shuffles, conversations kept whole,
# scored on one annotation per snippet): C = 0.001 gave mean macro-F1 0.238 / 0.130 / 0.147 for error / strategy
# / intention; C = 0.01 gave 0.240 for error (a tie); the v1 features (context + student turn) at their best C gave
# 0.225 / 0.106 / 0.121; dividing p(y|x) by the training prior p(y)^tau, tau > 0, did worse on every head.
REMEDIATION_C = 1e-3


@dataclass(frozen=True)
class HeadConfig:
    hidden: int  # 0: linear
    dropout: float
    l2: float  # penalty on the squared weights (not biases), added to the mean loss
    lr: float = 1e-3


# The candidates head_train chooses between, on validation only: a ridge-penalised linear head (logistic
# regression) at two strengths, and one hidden layer. Choosing among the three did a little better than any one
# of them in grouped 5-fold cross-validation on Bridge's train part (mean macro-F1 0.20 / 0.09 / 0.11 for error,
# strategy, intention against 0.19 / 0.08 / 0.10 for the earlier pair of configurations).
HEAD_CONFIGS = (
    HeadConfig(hidden=0, dropout=0.2, l2=3e-2),
    HeadConfig(hidden=0, dropout=0.2, l2=3e-3),
    HeadConfig(hidden=256, dropout=0.5, l2=3e-3),
)


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


def labels_score(*, gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Macro-F1 over the labels that occur in ``gold`` (a prediction outside them only costs), accuracy, n."""
    if not gold:
        return {"macro_f1": float("nan"), "accuracy": float("nan"), "n": 0}
    present = sorted(set(gold))
    return {
        "macro_f1": float(f1_score(gold, predicted, labels=present, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(gold, predicted)),
        "n": len(gold),
    }


def _dialogue_text(dialogue: Sequence[Turn]) -> str:
    return "\n".join(f"{role}: {text}" for role, text in dialogue)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNSURE = ("don't know", "dont know", "idk", "not sure", "no idea", "i dont", "i don't")
_UNITS = ("cm", "meter", "inch", "feet", "ft", "$", "%", "unit", "degree")
REMEDIATION_CUE_NAMES = (
    "has_number", "several_numbers", "asks_question", "unsure", "log_words", "log_tutor_words",
    "number_in_tutor_turn", "closeness_to_history_number", "number_from_earlier_turns", "repeats_earlier_answer",
    "mentions_unit", "has_decimal", "has_fraction", "very_short", "yes_no_ok", "tutor_asked_question",
)


def _numbers(text: str) -> list[float]:
    return [float(match) for match in _NUMBER.findall(text.replace(",", ""))]


def _recent_parts(dialogue: Sequence[Turn]) -> tuple[list[Turn], str, str]:
    """The last four turns, the student's last turn, and the tutor's turn before it ("" when absent)."""
    recent = list(dialogue)[-CONTEXT_TURNS:]
    last = next((k for k in range(len(recent) - 1, -1, -1) if recent[k][0] == "student"), None)
    student = recent[last][1] if last is not None else ""
    tutor = next((text for role, text in reversed(recent[:last]) if role == "tutor"), "") if last is not None else ""
    return recent, student, tutor


def remediation_cues(dialogue: Sequence[Turn]) -> np.ndarray:
    """Hand-made cues about the student's last answer that bear on the error type, shape (16,) in
    ``REMEDIATION_CUE_NAMES`` order: numbers in it, a question or "I don't know", lengths, whether its number
    was in the tutor's question or earlier turns (copied), how close it is to a number said before
    (exp(-relative distance): a near miss looks careless or imprecise), a repeated answer (guessing), units,
    decimals and fractions (precision), a bare "yes"/"ok"."""
    recent, student, tutor = _recent_parts(dialogue)
    earlier = [text for _, text in recent[:-1]] if recent and recent[-1][1] == student else [t for _, t in recent]
    said = student.lower().strip()
    mine, before, asked = _numbers(student), _numbers(" ".join(earlier)), _numbers(tutor)
    closeness = max((math.exp(-abs(a - b) / max(abs(b), 1.0)) for a in mine for b in before), default=0.0)
    earlier_answers = [text.lower().strip() for role, text in recent[:-1] if role == "student"]
    return np.array([
        bool(mine), len(mine) > 1, "?" in student, any(cue in said for cue in _UNSURE),
        math.log1p(len(student.split())), math.log1p(len(tutor.split())),
        any(a in asked for a in mine), closeness, any(a in before and a not in asked for a in mine),
        said in earlier_answers, any(unit in said for unit in _UNITS),
        bool(re.search(r"\d\.\d", student)), "/" in student, len(said) <= 3,
        said.rstrip(".!") in ("yes", "no", "ok", "okay", "yeah"), "?" in tutor,
    ], dtype=np.float32)


def remediation_features(*, dialogues: Sequence[Sequence[Turn]], topics: Sequence[str]) -> np.ndarray:
    """[embed(topic + last four turns), embed(student's last turn), embed(tutor's turn before it),
    embed(topic), remediation_cues], shape (n, 4 * 384 + 16)."""
    contexts, students, tutors = [], [], []
    for dialogue, topic in zip(dialogues, topics, strict=True):
        recent, student, tutor = _recent_parts(dialogue)
        contexts.append(f"Lesson: {topic}\n{_dialogue_text(recent)}")
        students.append(student)
        tutors.append(tutor)
    cues = np.stack([remediation_cues(dialogue) for dialogue in dialogues]) if dialogues else (
        np.zeros((0, len(REMEDIATION_CUE_NAMES)), dtype=np.float32))
    return np.concatenate(
        [text_embed(contexts), text_embed(students), text_embed(tutors), text_embed(list(topics)), cues], axis=1,
    )


def move_features(*, texts: Sequence[str]) -> np.ndarray:
    """embed(tutor utterance), shape (n, 384)."""
    return text_embed(texts)


def critic_features(*, dialogues: Sequence[Sequence[Turn]], replies: Sequence[str]) -> np.ndarray:
    """[embed(last turns), embed(reply), their product], shape (n, 1152).

    The context is the last turns, not the whole history: MRBench histories open with the full word problem,
    which would fill the encoder's window and hide the student's latest step.
    """
    contexts = text_embed([_dialogue_text(list(dialogue)[-3:]) for dialogue in dialogues])
    answers = text_embed(replies)
    return np.concatenate([contexts, answers, contexts * answers], axis=1)


def _head_fit(
    *, x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor, n_classes: int,
    config: HeadConfig, seed: int, max_epochs: int, patience: int, batch_size: int,
) -> tuple[DecisionHead, tuple[float, float]]:
    """Train one head; keep the epoch with the best (validation macro-F1, -validation loss)."""
    torch.manual_seed(seed)
    head = DecisionHead(input_dim=x.shape[1], n_classes=n_classes, config=config)
    head.mean.copy_(x.mean(dim=0))
    head.scale.copy_(x.std(dim=0).clamp_min(1e-6))
    counts = torch.bincount(y, minlength=n_classes).float()
    # n / (k * count): each present class weighs the same in total; absent classes have no examples to weigh.
    weights = torch.where(counts > 0, len(y) / (counts.gt(0).sum() * counts.clamp_min(1)), torch.zeros_like(counts))
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    optimiser = torch.optim.Adam(head.parameters(), lr=config.lr)
    penalised = [parameter for name, parameter in head.named_parameters() if name.endswith("weight")]
    generator = torch.Generator().manual_seed(seed)
    present = sorted(set(y_val.tolist()))

    best_score, best_state, stale = (-1.0, -float("inf")), None, 0
    for _ in range(max_epochs):
        head.train()
        for batch in torch.randperm(len(y), generator=generator).split(batch_size):
            optimiser.zero_grad()
            penalty = config.l2 * sum(parameter.square().sum() for parameter in penalised)
            (loss_fn(head(x[batch]), y[batch]) + penalty).backward()
            optimiser.step()
        head.eval()
        with torch.no_grad():
            logits = head(x_val)
            # a class absent from train keeps a small weight, so its validation rows still count
            val_loss = float(nn.functional.cross_entropy(logits, y_val, weight=weights.clamp_min(1e-3)))
        val_f1 = float(f1_score(
            y_val.tolist(), logits.argmax(dim=1).tolist(), labels=present, average="macro", zero_division=0,
        ))
        score = (round(val_f1, 6), -val_loss)
        if score > best_score:
            best_score, best_state, stale = score, {k: v.clone() for k, v in head.state_dict().items()}, 0
        else:
            stale += 1
            if stale >= patience:
                break
    head.load_state_dict(best_state)
    head.eval()
    return head, best_score


def head_train(
    *, labels: Sequence[str], features: np.ndarray, targets: Sequence[str | None], conversation_ids: Sequence[str],
    feature_kind: str, seed: int, configs: Sequence[HeadConfig] = HEAD_CONFIGS, val_fraction: float = 0.2,
    max_epochs: int = 150, patience: int = 15, steps_per_epoch: int = 16,
) -> TrainedHead:
    """Train a classifier over ``labels`` from feature rows; rows whose target is None are left out.

    A ``val_fraction`` of the conversations is held out for early stopping and for choosing among ``configs``;
    the head returned is the one that did best there. Batches hold at least 32 rows and grow with the data so
    that an epoch is about ``steps_per_epoch`` steps: on a busy CPU each small step costs more than its rows.
    """
    labelled = [i for i, target in enumerate(targets) if target is not None]
    index = {label: k for k, label in enumerate(labels)}
    held_out = conversation_holdout(
        conversation_ids=(conversation_ids[i] for i in labelled), fraction=val_fraction, seed=seed,
    )
    train_rows = [i for i in labelled if conversation_ids[i] not in held_out]
    val_rows = [i for i in labelled if conversation_ids[i] in held_out]
    if not train_rows or not val_rows:
        raise ValueError(f"too little data to train and validate a head over {len(labelled)} labelled rows")

    def tensors(rows: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        return (
            torch.as_tensor(features[rows], dtype=torch.float32),
            torch.as_tensor([index[targets[i]] for i in rows], dtype=torch.long),
        )

    x, y = tensors(train_rows)
    x_val, y_val = tensors(val_rows)
    batch_size = max(32, -(-len(train_rows) // steps_per_epoch))
    fits = [
        (*_head_fit(
            x=x, y=y, x_val=x_val, y_val=y_val, n_classes=len(labels), config=config, seed=seed,
            max_epochs=max_epochs, patience=patience, batch_size=batch_size,
        ), config)
        for config in configs
    ]
    module, _, config = max(fits, key=lambda fit: fit[1])  # first best on ties: configs are in order of simplicity
    with torch.no_grad():
        predicted = module(x_val).argmax(dim=1).tolist()
    validation = labels_score(gold=[targets[i] for i in val_rows], predicted=[labels[k] for k in predicted])
    return TrainedHead(
        labels=tuple(labels), features=feature_kind, config=config, module=module,
        validation={**validation, "n_train": len(train_rows)},
    )


def _logistic_fit(*, x: np.ndarray, y: np.ndarray, n_classes: int, c: float) -> DecisionHead:
    """Balanced logistic regression on standardised x, written into a linear DecisionHead (no dropout).

    sklearn minimises 1/2 |W|^2 + c * sum_i w_i * loss_i with balanced weights w summing to n, i.e. the mean
    weighted loss + |W|^2 / (2 c n). A class absent from y gets zero weights and a bias of -30 (p ~ 1e-13).
    """
    mean, scale = x.mean(axis=0), x.std(axis=0).clip(min=1e-6)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit((x - mean) / scale, y)
    weight = np.zeros((n_classes, x.shape[1]), dtype=np.float32)
    bias = np.full(n_classes, -30.0, dtype=np.float32)
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes: logit of classes_[1]
        weight[model.classes_[1]], bias[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        bias[model.classes_[0]] = 0.0
    else:
        weight[model.classes_], bias[model.classes_] = model.coef_, model.intercept_
    head = DecisionHead(input_dim=x.shape[1], n_classes=n_classes, config=HeadConfig(hidden=0, dropout=0.0, l2=0.0))
    with torch.no_grad():
        head.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        head.scale.copy_(torch.as_tensor(scale, dtype=torch.float32))
        head.net[1].weight.copy_(torch.as_tensor(weight))
        head.net[1].bias.copy_(torch.as_tensor(bias))
    head.eval()
    return head


def remediation_head_train(
    *, head: str, examples: Sequence[RemediationExample], features: np.ndarray, seed: int,
    c: float = REMEDIATION_C, val_fraction: float = 0.2,
) -> TrainedHead:
    """A Bridge head (``error``, ``strategy`` or ``intention``) by logistic regression, every annotation a row.

    A ``val_fraction`` of the conversations is held out once to report validation scores (on the kept
    annotation, as test is scored); the head returned is then refit on all the conversations.
    """
    labels = REMEDIATION_HEADS[head]
    column = tuple(REMEDIATION_HEADS).index(head)
    index = {label: k for k, label in enumerate(labels)}

    def rows(picked: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        pairs = [(i, label) for i in picked
                 for label in (getattr(examples[i], head), *(a[column] for a in examples[i].other_annotations))
                 if label is not None]
        return features[[i for i, _ in pairs]], np.array([index[label] for _, label in pairs], dtype=np.int64)

    held_out = conversation_holdout(
        conversation_ids=(ex.conversation_id for ex in examples), fraction=val_fraction, seed=seed,
    )
    fit_rows = [i for i, ex in enumerate(examples) if ex.conversation_id not in held_out]
    val_rows = [i for i, ex in enumerate(examples) if ex.conversation_id in held_out and getattr(ex, head)]
    if not fit_rows or not val_rows:
        raise ValueError(f"too little data to train and validate the {head} head over {len(examples)} snippets")
    x, y = rows(fit_rows)
    check = _logistic_fit(x=x, y=y, n_classes=len(labels), c=c)
    with torch.no_grad():
        predicted = check(torch.as_tensor(features[val_rows], dtype=torch.float32)).argmax(dim=1).tolist()
    validation = labels_score(gold=[getattr(examples[i], head) for i in val_rows],
                              predicted=[labels[k] for k in predicted])
    x, y = rows(range(len(examples)))
    module = _logistic_fit(x=x, y=y, n_classes=len(labels), c=c)
    config = HeadConfig(hidden=0, dropout=0.0, l2=1.0 / (2 * c * len(y)))  # the same penalty in head_train's terms
    return TrainedHead(
        labels=tuple(labels), features=REMEDIATION_FEATURES, config=config, module=module,
        validation={**validation, "n_train": len(y)},
    )


def decision_models_train(*, data_dir: Path, seed: int = 0, limit: int | None = None,
                          progress: bool = True) -> DecisionModels:
    """Train every head from the corpora in ``data_dir``; ``limit`` keeps only the first rows of each corpus."""
    bridge = bridge_load(data_dir=data_dir).train[:limit]
    moves = mathdial_moves_load(data_dir=data_dir, seed=seed).train[:limit]
    critic = mrbench_load(data_dir=data_dir, seed=seed).train[:limit]

    with tqdm(total=3, desc="embedding corpora", disable=not progress) as bar:
        bridge_x = remediation_features(
            dialogues=[ex.dialogue for ex in bridge], topics=[ex.topic for ex in bridge],
        )
        bar.update()
        move_x = move_features(texts=[ex.text for ex in moves])
        bar.update()
        critic_x = critic_features(dialogues=[ex.dialogue for ex in critic], replies=[ex.reply for ex in critic])
        bar.update()

    heads = {
        name: remediation_head_train(head=name, examples=bridge, features=bridge_x, seed=seed)
        for name in REMEDIATION_HEADS
    }
    jobs = [
        ("move", MOVES, "move", move_x, [ex.move for ex in moves], [ex.conversation_id for ex in moves]),
        *((f"critic_{dimension}", classes, "critic", critic_x, [ex.ratings.get(dimension) for ex in critic],
           [ex.conversation_id for ex in critic]) for dimension, (classes, _) in CRITIC_DIMENSIONS.items()),
    ]
    for name, labels, kind, features, targets, conversations in tqdm(jobs, desc="training heads", disable=not progress):
        heads[name] = head_train(
            labels=labels, features=features, targets=targets, conversation_ids=conversations, feature_kind=kind,
            seed=seed,
        )
    return DecisionModels(heads=heads, seed=seed, data_hashes=corpus_files_hash(data_dir=data_dir))


def decision_models_save(models: DecisionModels, *, root: Path) -> Path:
    """Write the models as a new version folder under ``root`` and make it the one ``LATEST`` names.

    The folder is assembled under a temporary name and renamed into place, and LATEST is replaced by rename, so
    a reader never sees a half-written version. Returns the version folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
    staging.chmod(0o755)  # mkdtemp makes it private; the version folder is read by other processes and users
    torch.save({name: head.module.state_dict() for name, head in models.heads.items()}, staging / "heads.pt")
    digest = hashlib.sha256((staging / "heads.pt").read_bytes()).hexdigest()[:8]
    created = datetime.now(UTC)
    version = f"{created:%Y%m%dT%H%M%S%fZ}-{digest}"  # sorts in time order; microseconds keep quick saves apart
    manifest = {
        "version": version,
        "created": created.isoformat(),
        "encoder": ENCODER_NAME,
        "seed": models.seed,
        "data_hashes": models.data_hashes,
        "heads": {
            name: {
                "labels": list(head.labels),
                "features": head.features,
                "input_dim": head.module.mean.shape[0],
                "config": vars(head.config),
                "validation": head.validation,
            }
            for name, head in models.heads.items()
        },
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    folder = root / version
    os.replace(staging, folder)
    pointer = root / f".LATEST.{os.getpid()}"
    pointer.write_text(version + "\n")
    os.replace(pointer, root / "LATEST")
    models.version = version
    return folder


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
                                     "features; retrain with python -m llm.train_decisions")
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
