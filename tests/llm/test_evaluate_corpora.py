"""The tutoring corpora the decision models learn from, split by conversation.

These tests read the real corpora and skip when ../shared/data is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

from llm.decision_features import MOVES
from llm.evaluate.corpora import bridge_load, mathdial_moves_load, mrbench_load
from llm.labels import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES


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
