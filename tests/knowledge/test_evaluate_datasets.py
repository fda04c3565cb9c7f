"""Loaders read the real files correctly, and splits are by learner and seeded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.evaluate.datasets import data_dir_default, load, split_learners, subsample_learners

DATA = data_dir_default()


def shared_file(relative: str) -> Path:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder ../shared/data is needed for this test")
    return path


def head_lines(path: Path, n: int) -> list[str]:
    with path.open() as handle:
        return [next(handle) for _ in range(n)]


def test_flat_loader_reads_rows_times_and_q_matrix_concepts(tmp_path):
    source = shared_file("assist2017_timestamped_subset/preprocessed_data_test.csv")
    (tmp_path / "preprocessed_data_test.csv").write_text("".join(head_lines(source, 301)))
    (tmp_path / "q_mat.npz").write_bytes((source.parent / "q_mat.npz").read_bytes())
    raw = np.loadtxt(tmp_path / "preprocessed_data_test.csv", skiprows=1, delimiter="\t", dtype=np.int64)

    data = load(tmp_path, "flat")

    assert len(data) == 300 and data.has_time
    assert data.n_learners == len(np.unique(raw[:, 0]))
    first = raw[raw[:, 0] == raw[0, 0]]  # the file's first learner, already chronological
    rows = data.learner == 0
    np.testing.assert_array_equal(data.time[rows], first[:, 2].astype(float))
    np.testing.assert_array_equal(data.correct[rows], first[:, 3])
    assert data.time[0] == 38976428.0  # seconds, as in the file
    assert data.skills is not None and all(len(s) >= 1 for s in data.skills)


def test_akt_loader_reads_four_lines_per_learner_without_time(tmp_path):
    source = shared_file("assist2017_akt/assist2017_pid_test1.csv")
    lines = head_lines(source, 8)
    (tmp_path / "two.csv").write_text("".join(lines))

    data = load(tmp_path / "two.csv", "akt")

    assert data.n_learners == 2 and not data.has_time
    answers = [int(x) for x in lines[3].strip().split(",")]
    np.testing.assert_array_equal(data.correct[data.learner == 0], answers)
    np.testing.assert_array_equal(data.time[data.learner == 0], np.arange(len(answers)))
    assert len(data) == len(answers) + len(lines[7].strip().split(","))


def test_akt_folder_keeps_a_learner_found_in_two_files_once(tmp_path):
    lines = head_lines(shared_file("assist2017_akt/assist2017_pid_test1.csv"), 8)
    (tmp_path / "a_test1.csv").write_text("".join(lines))
    (tmp_path / "a_valid0.csv").write_text("".join(lines[4:]))

    data = load(tmp_path, "akt")

    assert data.n_learners == 2


def test_pykt_loader_drops_padding_and_treats_index_as_time(tmp_path):
    rows = head_lines(shared_file("assist2015_pykt/test.csv"), 3)
    padded = '-1,999,"5,5,-1","1,0,-1","0,1,-1"\n'
    (tmp_path / "test.csv").write_text("".join(rows) + padded)

    data = load(tmp_path / "test.csv", "pykt")

    assert data.n_learners == 3 and not data.has_time
    assert len(data) == 5 + 12 + 2  # the first two learners of the file, then two real rows of the padded one
    np.testing.assert_array_equal(data.correct[data.learner == 0], [1, 1, 1, 1, 0])
    np.testing.assert_array_equal(data.time[data.learner == 0], np.arange(5))


def test_split_is_by_learner_seeded_and_complete():
    data = load(shared_file("assist2017_akt/assist2017_pid_test1.csv"), "akt")

    train, valid, test = split_learners(data, seed=3)
    again = split_learners(data, seed=3)
    other = split_learners(data, seed=4)

    assert (train.n_learners, valid.n_learners, test.n_learners) == (239, 34, 68)
    assert len(train) + len(valid) + len(test) == len(data)
    np.testing.assert_array_equal(test.correct, again[2].correct)
    assert len(test) != len(other[2]) or not np.array_equal(test.correct, other[2].correct)
    # every learner keeps their whole sequence: sequence lengths of the parts are lengths of the whole
    whole = sorted(np.diff(data.learner_starts()).tolist())
    parts = sorted(np.concatenate([np.diff(p.learner_starts()) for p in (train, valid, test)]).tolist())
    assert parts == whole


def test_subsample_keeps_whole_learners_and_is_seeded():
    data = load(shared_file("assist2017_akt/assist2017_pid_test1.csv"), "akt")

    small = subsample_learners(data, 10, seed=0)

    assert small.n_learners == 10
    assert np.array_equal(small.correct, subsample_learners(data, 10, seed=0).correct)
    assert set(np.diff(small.learner_starts()).tolist()) <= set(np.diff(data.learner_starts()).tolist())


def test_flat_file_whose_timestamps_never_change_has_no_time(tmp_path):
    """A data set exported without usable timestamps (one constant column) reads as data without time: the file
    order is the time order, one unit per attempt, not every answer at the same instant."""
    (tmp_path / "preprocessed_data_test.csv").write_text(
        "user_id\titem_id\ttimestamp\tcorrect\tskill_id\n"
        + "".join(f"{user}\t{item}\t0\t{item % 2}\t{item % 3}\n" for user in (7, 9) for item in (5, 2, 8)))

    data = load(tmp_path, "flat")

    assert not data.has_time
    np.testing.assert_array_equal(data.time, [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(data.item, [1, 0, 2, 1, 0, 2])  # file order kept: items 5, 2, 8 renumbered
