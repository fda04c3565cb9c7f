"""Knowledge-tracing data in one in-memory shape, read from the three public formats in ../shared/data.

Formats (checked against the real files):

- ``flat``: tab-separated ``user_id item_id timestamp correct skill_id`` with a header
  (Gervet et al.'s ``preprocessed_data_*.csv``); ``timestamp`` is in seconds. A ``q_mat.npz`` next to the file
  (scipy CSR, items x concepts) gives each row's full concept set in ``skills``.
- ``akt``: 4 lines per learner: ``user_idx,original_id`` (or just the length in other AKT data sets),
  problem ids, skill ids, answers. No time: ``time`` is the interaction index.
- ``pykt``: pyKT CSVs, one row per learner (``uid``), quoted comma-separated ``questions`` / ``concepts`` /
  ``responses`` / ``timestamps`` / ``selectmasks``; ``-1`` marks padding; ``a_b`` marks a multi-concept question.
  Without ``questions`` the item is the concept; pyKT timestamps are milliseconds.

Ids are re-numbered to 0..n-1 at load time; a split keeps the item and skill numbering of the data it came from,
so a model fitted on one part can read another.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse

FORMATS = ("flat", "akt", "pykt")


@dataclass(frozen=True)
class Interactions:
    """One row per interaction, sorted by (learner, time).

    ``skill`` is the row's main skill (for ``flat`` data: the file's skill-set id); ``skills``, when the format has
    it, lists every concept of the row (for ``flat``: Q-matrix columns, a separate id space from ``skill``).
    ``n_items`` / ``n_skills`` are the sizes of the id spaces, which a subset may not fully use.
    """

    learner: np.ndarray  # (N,) int64, 0..L-1
    item: np.ndarray  # (N,) int64, 0..n_items-1
    skill: np.ndarray  # (N,) int64, 0..n_skills-1
    skills: list[np.ndarray] | None  # N arrays of concept ids, or None
    time: np.ndarray  # (N,) float64 seconds, or the interaction index when has_time is False
    correct: np.ndarray  # (N,) int8 0/1
    has_time: bool
    name: str
    n_items: int
    n_skills: int

    def __len__(self) -> int:
        return len(self.correct)

    @property
    def n_learners(self) -> int:
        return int(self.learner[-1]) + 1 if len(self.learner) else 0

    def learner_starts(self) -> np.ndarray:
        """(L+1,) row offsets: learner l owns rows starts[l]:starts[l+1]."""
        counts = np.bincount(self.learner, minlength=self.n_learners)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def position(self) -> np.ndarray:
        """(N,) index of each row within its learner's sequence (0 for the first interaction)."""
        return np.arange(len(self)) - self.learner_starts()[self.learner]

    def take_rows(self, rows: np.ndarray) -> Interactions:
        """The given rows (sorted indices or a boolean mask), learner ids unchanged."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        skills = None if self.skills is None else [self.skills[r] for r in rows]
        return replace(self, learner=self.learner[rows], item=self.item[rows], skill=self.skill[rows],
                       skills=skills, time=self.time[rows], correct=self.correct[rows])

    def take_learners(self, learner_ids: Iterable[int]) -> Interactions:
        """Those learners' rows, learners renumbered 0..len-1 in increasing id order."""
        keep = np.zeros(self.n_learners, dtype=bool)
        keep[np.fromiter(learner_ids, dtype=np.int64)] = True
        subset = self.take_rows(keep[self.learner])
        new_id = np.cumsum(keep) - 1
        return replace(subset, learner=new_id[subset.learner])

    def window(self, start: int, stop: int) -> Interactions:
        """Each learner's interactions start..stop-1 (by position), learner ids unchanged."""
        position = self.position()
        return self.take_rows((position >= start) & (position < stop))


def concat(first: Interactions, second: Interactions) -> Interactions:
    """Both data sets' learners in one (the second's learners numbered after the first's); same id spaces."""
    skills = None if first.skills is None or second.skills is None else first.skills + second.skills
    return replace(first,
                   learner=np.concatenate([first.learner, second.learner + first.n_learners]),
                   item=np.concatenate([first.item, second.item]),
                   skill=np.concatenate([first.skill, second.skill]),
                   skills=skills,
                   time=np.concatenate([first.time, second.time]),
                   correct=np.concatenate([first.correct, second.correct]),
                   has_time=first.has_time and second.has_time)


def split_learners(data: Interactions, *, test_fraction: float = 0.2, valid_fraction: float = 0.1,
                   seed: int) -> tuple[Interactions, Interactions, Interactions]:
    """(train, valid, test) by learner, never by row; fractions are of all learners, the rest is train."""
    order = np.random.default_rng(seed).permutation(data.n_learners)
    n_test = round(test_fraction * data.n_learners)
    n_valid = round(valid_fraction * data.n_learners)
    test, valid, train = np.split(order, [n_test, n_test + n_valid])
    return data.take_learners(train), data.take_learners(valid), data.take_learners(test)


def subsample_learners(data: Interactions, max_learners: int, *, seed: int) -> Interactions:
    """A seeded random subset of at most ``max_learners`` learners (for quick runs)."""
    if data.n_learners <= max_learners:
        return data
    chosen = np.random.default_rng(seed).choice(data.n_learners, size=max_learners, replace=False)
    return data.take_learners(chosen)


# ---------------------------------------------------------------------------------------------------- loading

@dataclass
class _Sequence:
    """One learner's raw rows as read from a file, before ids are renumbered."""

    items: list
    skills: list[tuple]  # all concepts of each row; the first is the main skill
    times: list[float]
    correct: list[int]


def data_dir_default() -> Path:
    """Where the shared data sets live: ``$CAIRN_DATA_DIR`` when set, else ``shared/data`` beside the project
    (``../shared/data`` from its root). The knowledge and the tutor evaluations both read from here."""
    env = os.environ.get("CAIRN_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def load(path: Path, fmt: str) -> Interactions:
    """Read a file, or every file of the format in a folder (a learner found in several files is kept once)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    files = _format_files(path, fmt) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"no {fmt} files in {path}")
    readers = {"flat": _read_flat, "akt": _read_akt, "pykt": _read_pykt}
    sequences: dict[object, _Sequence] = {}
    has_time = fmt != "akt"
    for file in files:
        file_sequences, file_has_time = readers[fmt](file)
        has_time = has_time and file_has_time
        for key, sequence in file_sequences.items():
            sequences.setdefault(key, sequence)
    q_matrix = _flat_q_matrix(files[0]) if fmt == "flat" else None
    name = path.name if path.is_dir() else f"{path.parent.name}/{path.name}"
    return _build(sequences, has_time=has_time, name=name, q_matrix=q_matrix)


def _format_files(folder: Path, fmt: str) -> list[Path]:
    if fmt == "flat":
        return sorted(folder.glob("preprocessed_data*.csv"))
    if fmt == "akt":
        return sorted(folder.glob("*.csv"))
    # pyKT's whole-sequence files; its *_sequences.csv hold the same learners cut into windows.
    return [folder / name for name in ("train_valid.csv", "test.csv") if (folder / name).exists()]


def _read_flat(file: Path) -> tuple[dict[object, _Sequence], bool]:
    with file.open(newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        _require_columns(file, rows.fieldnames, ("user_id", "item_id", "timestamp", "correct", "skill_id"))
        sequences: dict[object, _Sequence] = {}
        for row in rows:
            sequence = sequences.setdefault(int(row["user_id"]), _Sequence([], [], [], []))
            sequence.items.append(int(row["item_id"]))
            sequence.skills.append((int(row["skill_id"]),))
            sequence.times.append(float(row["timestamp"]))
            sequence.correct.append(int(row["correct"]))
    return sequences, True


def _read_akt(file: Path) -> tuple[dict[object, _Sequence], bool]:
    lines = [line.strip() for line in file.read_text().splitlines() if line.strip()]
    if len(lines) % 4:
        raise ValueError(f"{file}: {len(lines)} lines, expected 4 per learner")
    sequences: dict[object, _Sequence] = {}
    for head, problems, skills, answers in _chunks(lines, 4):
        fields = head.split(",")
        problem_ids = [int(x) for x in problems.rstrip(",").split(",")]
        skill_ids = [int(x) for x in skills.rstrip(",").split(",")]
        responses = [int(x) for x in answers.rstrip(",").split(",")]
        if not len(problem_ids) == len(skill_ids) == len(responses):
            raise ValueError(f"{file}: learner {head!r} has lines of different lengths")
        # Line 1 is "user_idx,original_id" here; AKT's other data sets give only the length, so the
        # sequence itself is the only identity there is (enough to drop the copies between fold files).
        key = ("user", fields[0]) if len(fields) == 2 else (problems, skills, answers)
        sequences[key] = _Sequence(problem_ids, [(s,) for s in skill_ids],
                                   [float(i) for i in range(len(responses))], responses)
    return sequences, False


def _read_pykt(file: Path) -> tuple[dict[object, _Sequence], bool]:
    with file.open(newline="") as handle:
        reader = csv.DictReader(handle)
        _require_columns(file, reader.fieldnames, ("uid", "concepts", "responses"))
        rows = list(reader)
    has_time = bool(rows) and "timestamps" in rows[0]
    sequences: dict[object, _Sequence] = {}
    for row in rows:
        concepts = row["concepts"].split(",")
        responses = [int(x) for x in row["responses"].split(",")]
        questions = row["questions"].split(",") if "questions" in row else concepts
        times = ([float(x) / 1000.0 for x in row["timestamps"].split(",")] if has_time
                 else [float(i) for i in range(len(responses))])
        masks = [int(x) for x in row["selectmasks"].split(",")] if "selectmasks" in row else [1] * len(responses)
        # A uid on several rows (pyKT's cut-up *_sequences files) continues the same learner.
        sequence = sequences.setdefault(int(row["uid"]), _Sequence([], [], [], []))
        if not has_time:
            times = [t + len(sequence.correct) for t in times]
        for question, concept, response, time, mask in zip(questions, concepts, responses, times, masks, strict=True):
            if response == -1 or mask == -1:  # padding
                continue
            sequence.items.append(question)
            sequence.skills.append(tuple(int(c) for c in concept.split("_")))
            sequence.times.append(time)
            sequence.correct.append(response)
    return sequences, has_time


def _require_columns(file: Path, found: list[str] | None, required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in (found or [])]
    if missing:
        raise ValueError(f"{file}: missing column(s) {', '.join(missing)} (header: {found})")


def _flat_q_matrix(file: Path) -> scipy.sparse.csr_matrix | None:
    q_path = file.parent / "q_mat.npz"
    return scipy.sparse.load_npz(q_path).tocsr() if q_path.exists() else None


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _build(sequences: dict[object, _Sequence], *, has_time: bool, name: str,
           q_matrix: scipy.sparse.csr_matrix | None) -> Interactions:
    """Renumber ids to 0..n-1, sort by (learner, time) keeping file order among equal times.

    A time column that never changes within any learner (a data set exported without usable timestamps) is no
    time: the file order is the time order, and time is the interaction index."""
    if has_time and all(len(set(s.times)) <= 1 for s in sequences.values()):
        has_time = False
        sequences = {key: replace(s, times=[float(i) for i in range(len(s.times))]) for key, s in sequences.items()}
    lengths = np.array([len(s.correct) for s in sequences.values()], dtype=np.int64)
    learner = np.repeat(np.arange(len(lengths)), lengths)
    raw_items = [item for s in sequences.values() for item in s.items]
    raw_skill_sets = [skills for s in sequences.values() for skills in s.skills]
    time = np.array([t for s in sequences.values() for t in s.times], dtype=np.float64)
    correct = np.array([c for s in sequences.values() for c in s.correct], dtype=np.int8)

    item_ids, item = np.unique(np.array(raw_items), return_inverse=True)
    skill_ids, skill = np.unique(np.array([skills[0] for skills in raw_skill_sets]), return_inverse=True)
    if q_matrix is not None:  # flat data: the Q-matrix is indexed by the file's (raw) item id
        rows = np.asarray(raw_items, dtype=np.int64)
        skills = [q_matrix.indices[q_matrix.indptr[r]:q_matrix.indptr[r + 1]].astype(np.int64) for r in rows]
    elif any(len(s) > 1 for s in raw_skill_sets):  # pyKT multi-concept questions, in the main skill's numbering
        skill_index = {raw: new for new, raw in enumerate(skill_ids.tolist())}
        skills = [np.array([skill_index.setdefault(c, len(skill_index)) for c in s]) for s in raw_skill_sets]
    else:
        skills = None

    order = np.lexsort((np.arange(len(time)), time, learner))
    data = Interactions(learner=learner, item=item.astype(np.int64), skill=skill.astype(np.int64), skills=skills,
                        time=time, correct=correct, has_time=has_time, name=name,
                        n_items=len(item_ids), n_skills=len(skill_ids))
    if not np.array_equal(order, np.arange(len(order))):
        data = data.take_rows(order)
    if data.skills is not None and q_matrix is None:
        data = replace(data, n_skills=max(data.n_skills, 1 + max(int(s.max()) for s in data.skills)))
    return data
