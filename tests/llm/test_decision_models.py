"""The decision models: corpora split by conversation, head training, versioned storage, the CLI, inference.

Tests that read the real corpora skip when ../shared/data is absent; the others build their own features.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from llm.agents.schema import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES
from llm.corpora import (
    CRITIC_DIMENSIONS,
    MOVES,
    bridge_load,
    mathdial_moves_load,
    mrbench_load,
)
from llm.decision_models import (
    REMEDIATION_CUE_NAMES,
    DecisionModels,
    decision_models_load,
    decision_models_save,
    head_probabilities,
    head_train,
    move_predict,
    remediation_cues,
    remediation_predict,
    reply_critique,
    reply_rank,
)

torch.set_num_threads(2)  # the test machines are shared

REPO_ROOT = Path(__file__).resolve().parents[2]


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


def test_bridge_keeps_each_snippet_once_and_no_conversation_in_both_train_and_test(data_dir: Path) -> None:
    corpus = bridge_load(data_dir=data_dir)
    snippets = [ex.snippet_id for ex in (*corpus.train, *corpus.test)]
    assert len(snippets) == len(set(snippets))
    assert not {ex.conversation_id for ex in corpus.train} & {ex.conversation_id for ex in corpus.test}
    assert corpus.counts["snippets"] == 459 and corpus.counts["double_annotated"] == 241


def test_bridge_twin_that_straddles_splits_is_scored_in_test_with_its_test_annotation(data_dir: Path) -> None:
    corpus = bridge_load(data_dir=data_dir)
    test_rows = json.loads((data_dir / "bridge/dataset/test.json").read_text())
    test_ids = {row["c_id"] for row in test_rows}
    assert {ex.snippet_id for ex in corpus.test} == test_ids
    assert all(ex.source[0] == "test" and test_rows[ex.source[1]]["c_id"] == ex.snippet_id for ex in corpus.test)


def test_bridge_free_text_labels_are_never_learned(data_dir: Path) -> None:
    corpus = bridge_load(data_dir=data_dir)
    examples = (*corpus.train, *corpus.test)
    assert {ex.error for ex in examples} - {None} <= set(BRIDGE_ERROR_TYPES)
    assert {ex.strategy for ex in examples} - {None} <= set(STRATEGIES)
    assert {ex.intention for ex in examples} - {None} <= set(INTENTIONS)
    assert any(ex.error is None for ex in examples)  # the expert's "other" free text exists and is set aside


def test_bridge_train_snippet_keeps_its_twins_annotation_but_test_snippets_carry_none(data_dir: Path) -> None:
    corpus = bridge_load(data_dir=data_dir)
    assert not any(ex.other_annotations for ex in corpus.test)  # a test twin's label must never reach training
    twins = [ex for ex in corpus.train if ex.other_annotations]
    assert twins and all(len(annotation) == 3 for ex in twins for annotation in ex.other_annotations)
    assert any(ex.other_annotations[0][0] != ex.error for ex in twins)  # the experts do disagree


def test_remediation_cues_flag_a_number_copied_from_the_tutors_question() -> None:
    def cues(answer: str) -> dict[str, float]:
        values = remediation_cues([("tutor", "What is 7 x 8?"), ("student", answer)])
        return dict(zip(REMEDIATION_CUE_NAMES, values, strict=True))

    cue = cues("7")
    assert cue["has_number"] == 1 and cue["number_in_tutor_turn"] == 1 and cue["tutor_asked_question"] == 1
    unsure = cues("idk")
    assert unsure["unsure"] == 1 and unsure["has_number"] == 0 and unsure["number_in_tutor_turn"] == 0


def test_mathdial_and_mrbench_hold_out_whole_conversations(data_dir: Path) -> None:
    moves = mathdial_moves_load(data_dir=data_dir, seed=0)
    critic = mrbench_load(data_dir=data_dir, seed=0)
    assert not {ex.conversation_id for ex in moves.train} & {ex.conversation_id for ex in moves.test}
    assert not {ex.conversation_id for ex in critic.train} & {ex.conversation_id for ex in critic.test}
    assert {ex.move for ex in moves.test} == set(MOVES)
    assert moves.test and critic.test


def test_mrbench_versions_merged_leave_each_reply_once(data_dir: Path) -> None:
    corpus = mrbench_load(data_dir=data_dir, seed=0)
    keys = [(ex.conversation_id, " ".join(ex.reply.split())) for ex in (*corpus.train, *corpus.test)]
    assert len(keys) == len(set(keys))
    assert corpus.counts["replies"] < corpus.counts["responses_read"]  # the versions overlap


def test_head_trained_on_small_slice_predicts_a_valid_label_distribution() -> None:
    head, features = _blob_head()
    models = DecisionModels(heads={"move": head}, seed=0)
    probabilities = head_probabilities(models, head="move", features=features)
    assert probabilities.shape == (120, 3)
    assert np.all(probabilities >= 0) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert head.validation["accuracy"] > 0.9  # the blobs are separable: a head that learned nothing fails


def test_save_then_load_round_trips_predictions_exactly_and_latest_names_newest(tmp_path: Path) -> None:
    head, features = _blob_head()
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
    assert not list(tmp_path.glob(".*"))  # no staging folder or temporary pointer left behind


def test_load_returns_none_when_nothing_was_trained(tmp_path: Path) -> None:
    assert decision_models_load(root=tmp_path) is None


def test_train_cli_exits_2_with_a_message_on_missing_data_dir(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm.train_decisions", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "missing" in result.stderr
    assert not (tmp_path / "LATEST").exists()


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
