"""How the decision models are scored against the published Bridge references, and how sure a difference is."""

import json
import random

import numpy as np
import pytest

from llm.evaluate.decisions import (
    UNPARSED,
    _resampled_macro_f1,
    godel_bridge_predictions,
    labels_score,
    paired_bootstrap,
)
from llm.labels import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES


def test_resampled_macro_f1_scores_a_resample_as_labels_score_does():
    rng = random.Random(1)
    gold = [rng.choice("abcd") for _ in range(60)]
    predicted = [rng.choice("abcde") for _ in gold]
    pick = [rng.randrange(60) for _ in range(60)]
    weights = np.bincount(pick, minlength=60)[None, :].astype(float)
    codes = {label: i for i, label in enumerate("abcde")}
    fast = _resampled_macro_f1(np.array([codes[x] for x in gold]), np.array([codes[x] for x in predicted]), weights)
    slow = labels_score(gold=[gold[i] for i in pick], predicted=[predicted[i] for i in pick])["macro_f1"]
    assert fast[0] == pytest.approx(slow)


def test_paired_bootstrap_is_sure_of_a_clear_win_and_not_of_a_tie():
    rng = random.Random(0)
    gold = [rng.choice("abc") for _ in range(150)]
    guesses = [rng.choice("abc") for _ in gold]
    clear = paired_bootstrap(gold=gold, ours=gold, theirs=guesses, resamples=300)
    assert clear["interval_95"][0] > 0.4 and clear["share_ours_higher"] == 1.0
    tie = paired_bootstrap(gold=gold, ours=guesses, theirs=guesses, resamples=300)
    assert tie["interval_95"] == [0.0, 0.0] and tie["share_ours_higher"] == 0.0
    noisy = paired_bootstrap(gold=gold, ours=guesses, theirs=[rng.choice("abc") for _ in gold], resamples=300)
    assert noisy["interval_95"][0] < 0 < noisy["interval_95"][1]


def test_the_fine_tuned_godel_reference_reads_as_label_names_of_each_head(data_dir):
    predictions = godel_bridge_predictions(data_dir=data_dir)
    test_rows = json.loads((data_dir / "bridge/dataset/test.json").read_text())
    vocabulary = {"error": {*BRIDGE_ERROR_TYPES, "other"}, "strategy": set(STRATEGIES), "intention": set(INTENTIONS)}
    for head, labels in vocabulary.items():
        assert len(predictions[head]) == len(test_rows)
        assert UNPARSED not in predictions[head] and set(predictions[head]) <= labels
        assert len(set(predictions[head])) > 1
