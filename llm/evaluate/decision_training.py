"""Training the decision heads from the corpora, and storing them as a new version the tutor loads.

Heads (features of ``llm.decision_features``; served by ``llm.decision_models``):

- ``error``, ``strategy``, ``intention`` (Bridge, trained by ``remediation_head_train``): class-balanced,
  ridge-penalised logistic regression over the remediation features (topic with the last four turns, the
  student's last turn, the tutor's turn before it, the topic alone, hand-made cues). Both experts' annotations of
  a double-annotated train snippet are training rows. With ~245 snippets this beat the hidden-layer and
  early-stopped heads in grouped cross-validation on the train part (see ``REMEDIATION_C``);
- ``move`` (MathDial): the move a tutor utterance makes, focus / probing / telling / generic;
- ``critic_<dimension>`` (MRBench): how a tutor reply rates on one pedagogical dimension given the dialogue.

The other heads (``head_train``) standardise their input, then are either linear or have one hidden layer; both
have dropout, learn with class-weighted cross-entropy (rare decisions count as much as common ones) and stop
early on a validation part carved by conversation out of the training data. The shape (linear or hidden layer) is
chosen on that validation part too; test data are never looked at while training.

Storage: ``decision_models_save`` writes ``<root>/<UTC timestamp>-<hash>/`` with ``manifest.json`` and
``heads.pt`` (state dicts only, loadable with ``weights_only=True``), then points ``<root>/LATEST`` at it;
``llm.decision_models.decision_models_load`` reads it back.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn
from tqdm import tqdm

from llm.decision_features import (
    CRITIC_DIMENSIONS,
    MOVES,
    REMEDIATION_FEATURES,
    REMEDIATION_HEADS,
    critic_features,
    move_features,
    remediation_features,
)
from llm.decision_models import DecisionHead, DecisionModels, HeadConfig, TrainedHead
from llm.encoder import ENCODER_NAME
from llm.evaluate.corpora import (
    RemediationExample,
    bridge_load,
    conversation_holdout,
    corpus_files_hash,
    mathdial_moves_load,
    mrbench_load,
)
from llm.evaluate.decisions import labels_score

# Inverse ridge strength of the Bridge heads' logistic regression (sklearn's C, balanced class weights, no prior
# shift). Chosen by grouped 5-fold cross-validation on Bridge's train part (3 shuffles, conversations kept whole,
# scored on one annotation per snippet): C = 0.001 gave mean macro-F1 0.238 / 0.130 / 0.147 for error / strategy
# / intention; C = 0.01 gave 0.240 for error (a tie); the v1 features (context + student turn) at their best C gave
# 0.225 / 0.106 / 0.121; dividing p(y|x) by the training prior p(y)^tau, tau > 0, did worse on every head.
REMEDIATION_C = 1e-3


# The candidates head_train chooses between, on validation only: a ridge-penalised linear head (logistic
# regression) at two strengths, and one hidden layer. Choosing among the three did a little better than any one
# of them in grouped 5-fold cross-validation on Bridge's train part (mean macro-F1 0.20 / 0.09 / 0.11 for error,
# strategy, intention against 0.19 / 0.08 / 0.10 for the earlier pair of configurations).
HEAD_CONFIGS = (
    HeadConfig(hidden=0, dropout=0.2, l2=3e-2),
    HeadConfig(hidden=0, dropout=0.2, l2=3e-3),
    HeadConfig(hidden=256, dropout=0.5, l2=3e-3),
)


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
        val_f1 = labels_score(gold=y_val.tolist(), predicted=logits.argmax(dim=1).tolist())["macro_f1"]
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
