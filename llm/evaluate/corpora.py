"""Readers for the tutoring corpora the decision models learn from, each split by conversation.

The data live in the shared data folder (``knowledge.evaluate.datasets.data_dir_default``: ``$CAIRN_DATA_DIR``,
else ``../shared/data`` next to the repository) and are read in place, never copied. Every loader returns plain
frozen dataclasses of texts and labels, already cleaned:

- Bridge (remediation snippets): 700 rows but only 459 snippets, because 241 are annotated twice. Each snippet
  is kept once. A snippet that occurs in the test file is a test snippet (it leaves train, even when its twin
  sits in train or validation), and the annotation kept is the first occurrence in file order, test file
  first, then train, then validation. A train snippet also carries its twin's annotation
  (``other_annotations``), so that training can learn from both experts; a test snippet carries none. Train also
  loses every snippet whose conversation (the ``c_id`` before the turn index) has a snippet in test: snippets of
  one conversation share history turns. A free-text ("other")
  label becomes None: it is not in the fixed label sets, so it is neither learned nor scored.
- MathDial (teacher moves): the teacher utterances of the 599 test dialogues with their move. The derived
  window tables are not used: they hold only the utterance before the teacher's, not the teacher's own text.
  Dialogues are held out by problem (``qid``), so that no problem is seen in both parts.
- MRBench (rated tutor replies): V1, V2 and V3-dev merged. Conversations are matched on their normalised
  history text (their ids differ between versions), a reply is kept once per conversation, and where versions
  disagree on a rating the later version's rating wins (V3 over V2 over V1). Held out by conversation.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from llm.decision_features import CRITIC_DIMENSIONS, MOVES, Turn
from llm.labels import BRIDGE_ERROR_TYPES, INTENTIONS, STRATEGIES

BRIDGE_FILES = ("bridge/dataset/train.json", "bridge/dataset/validation.json", "bridge/dataset/test.json")
MATHDIAL_FILES = ("mathdial/data/test.jsonl",)
MRBENCH_FILES = ("mrbench/MRBench_V1.json", "mrbench/MRBench_V2.json", "mrbench/mrbench_v3_devset.json")
CORPUS_FILES = (*BRIDGE_FILES, *MATHDIAL_FILES, *MRBENCH_FILES)


@dataclass(frozen=True)
class RemediationExample:
    """One Bridge snippet: four turns ending with the student's mistake, and the expert's decisions."""

    snippet_id: str  # Bridge c_id, "<conversation>_<turn>"
    conversation_id: str
    topic: str  # lesson topic without its curriculum code
    dialogue: tuple[Turn, ...]
    error: str | None  # one of BRIDGE_ERROR_TYPES; None for the expert's free text
    strategy: str | None  # one of STRATEGIES or None
    intention: str | None  # one of INTENTIONS or None
    source: tuple[str, int]  # (split file, row) of the annotation kept; row indexes the published model outputs
    # the other experts' (error, strategy, intention) for this snippet, free text as None; train snippets only
    other_annotations: tuple[tuple[str | None, str | None, str | None], ...] = ()


@dataclass(frozen=True)
class BridgeCorpus:
    train: tuple[RemediationExample, ...]
    test: tuple[RemediationExample, ...]
    counts: dict[str, int]  # what deduplication did, for the report


@dataclass(frozen=True)
class MoveExample:
    conversation_id: str  # the MathDial problem id: dialogues on one problem are held out together
    text: str  # the teacher utterance, its move tag removed
    move: str  # one of MOVES


@dataclass(frozen=True)
class MoveCorpus:
    train: tuple[MoveExample, ...]
    test: tuple[MoveExample, ...]


@dataclass(frozen=True)
class CriticExample:
    conversation_id: str  # hash of the normalised history, the same across MRBench versions
    dialogue: tuple[Turn, ...]
    reply: str
    ratings: dict[str, str]  # dimension -> class of CRITIC_DIMENSIONS; a dimension not rated is absent


@dataclass(frozen=True)
class CriticCorpus:
    train: tuple[CriticExample, ...]
    test: tuple[CriticExample, ...]
    counts: dict[str, int]


def corpus_files_missing(*, data_dir: Path) -> list[Path]:
    """The corpus files the decision models need that ``data_dir`` lacks (all of them when it does not exist)."""
    return [data_dir / name for name in CORPUS_FILES if not (data_dir / name).is_file()]


def corpus_files_hash(*, data_dir: Path) -> dict[str, str]:
    """sha256 of each corpus file, so a model's manifest says exactly which data it was trained on."""
    return {name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest() for name in CORPUS_FILES}


def conversation_holdout(*, conversation_ids: Iterable[str], fraction: float, seed: int) -> frozenset[str]:
    """Pick ``fraction`` of the distinct conversation ids, the same ones for the same ids and seed."""
    ids = sorted(set(conversation_ids))
    random.Random(seed).shuffle(ids)
    return frozenset(ids[: round(fraction * len(ids))])


def _text_normalise(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def _bridge_label(value: str, labels: tuple[str, ...]) -> str | None:
    value = value.strip()
    return value if value in labels else None


def bridge_load(*, data_dir: Path) -> BridgeCorpus:
    """Bridge, one annotation per snippet, test snippets and their conversations kept out of train."""
    rows: dict[str, list[dict]] = {}
    for name in ("test", "train", "validation"):  # this order decides which annotation of a twin is kept
        rows[name] = json.loads((data_dir / f"bridge/dataset/{name}.json").read_text())

    occurrences: dict[str, list[tuple[str, int, dict]]] = defaultdict(list)
    for name, split_rows in rows.items():
        for index, row in enumerate(split_rows):
            occurrences[row["c_id"]].append((name, index, row))

    train: list[RemediationExample] = []
    test: list[RemediationExample] = []
    disagree: Counter[str] = Counter()
    for snippet_id, found in occurrences.items():
        name, index, row = found[0]
        for field in ("e", "z_what", "z_why"):
            disagree[field] += len({other[field].strip() for _, _, other in found}) > 1
        example = RemediationExample(
            snippet_id=snippet_id,
            conversation_id=snippet_id.rsplit("_", 1)[0],
            topic=re.sub(r"^\d+\.\d+[A-Z]?\.\s*", "", row["lesson_topic"]).strip(),
            dialogue=tuple((turn["user"], turn["text"]) for turn in row["c_h"]),
            error=_bridge_label(row["e"], BRIDGE_ERROR_TYPES),
            strategy=_bridge_label(row["z_what"], STRATEGIES),
            intention=_bridge_label(row["z_why"], INTENTIONS),
            source=(name, index),
            other_annotations=() if name == "test" else tuple(
                (_bridge_label(other["e"], BRIDGE_ERROR_TYPES), _bridge_label(other["z_what"], STRATEGIES),
                 _bridge_label(other["z_why"], INTENTIONS))
                for _, _, other in found[1:]
            ),
        )
        (test if name == "test" else train).append(example)

    test_conversations = {example.conversation_id for example in test}
    kept_train = [example for example in train if example.conversation_id not in test_conversations]
    counts = {
        "rows": sum(len(split_rows) for split_rows in rows.values()),
        "snippets": len(occurrences),
        "double_annotated": sum(len(found) > 1 for found in occurrences.values()),
        "twins_straddling_test": sum(
            len({name for name, _, _ in found}) > 1 and any(name == "test" for name, _, _ in found)
            for found in occurrences.values()
        ),
        "twins_disagreeing_error": disagree["e"],
        "twins_disagreeing_strategy": disagree["z_what"],
        "twins_disagreeing_intention": disagree["z_why"],
        "train_dropped_conversation_in_test": len(train) - len(kept_train),
        "train": len(kept_train),
        "test": len(test),
    }
    return BridgeCorpus(train=tuple(kept_train), test=tuple(test), counts=counts)


def mathdial_moves_load(*, data_dir: Path, seed: int, test_fraction: float = 0.2) -> MoveCorpus:
    """Every teacher utterance of MathDial's 599 dialogues with its move, held out by problem."""
    examples: list[MoveExample] = []
    for line in (data_dir / "mathdial/data/test.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        dialogue = json.loads(line)
        for utterance in dialogue["conversation"].split("|EOM|"):
            tagged = re.match(r"\s*Teacher:\s*\((\w+)\)(.*)", utterance, flags=re.DOTALL)
            if tagged and tagged.group(1) in MOVES:
                examples.append(MoveExample(
                    conversation_id=str(dialogue["qid"]), text=tagged.group(2).strip(), move=tagged.group(1),
                ))
    held_out = conversation_holdout(
        conversation_ids=(example.conversation_id for example in examples), fraction=test_fraction, seed=seed,
    )
    return MoveCorpus(
        train=tuple(example for example in examples if example.conversation_id not in held_out),
        test=tuple(example for example in examples if example.conversation_id in held_out),
    )


def mrbench_dialogue_parse(history: str) -> tuple[Turn, ...]:
    """Split MRBench's "Tutor: ...\\nStudent: ..." history into turns; unlabelled lines continue the turn before."""
    turns: list[list[str]] = []
    for line in history.split("\n"):
        line = line.replace("\xa0", " ").strip()
        speaker = re.match(r"(tutor|turor|student)\s*:\s*(.*)", line, flags=re.IGNORECASE)
        if speaker:
            turns.append(["student" if speaker.group(1).lower() == "student" else "tutor", speaker.group(2)])
        elif line and turns:
            turns[-1][1] += " " + line
        elif line:
            turns.append(["tutor", line])
    return tuple((role, text.strip()) for role, text in turns)


def _mrbench_rating(dimension: str, value: str) -> str | None:
    classes, _ = CRITIC_DIMENSIONS[dimension]
    if dimension == "revealing_of_the_answer" and value.startswith("Yes"):
        return "Yes"
    return value if value in classes else None


def mrbench_load(*, data_dir: Path, seed: int, test_fraction: float = 0.2) -> CriticCorpus:
    """MRBench V1 + V2 + V3-dev as one set of rated replies, each reply once, held out by conversation."""
    histories: dict[str, str] = {}
    replies: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    responses_read = 0
    for name in MRBENCH_FILES:  # oldest first, so a later version's rating overwrites an earlier one
        for conversation in json.loads((data_dir / name).read_text()):
            history = conversation["conversation_history"]
            key = hashlib.sha256(_text_normalise(history).encode()).hexdigest()[:16]
            histories.setdefault(key, history)
            responses = conversation.get("anno_llm_responses") or conversation.get("tutor_responses") or {}
            for response in responses.values():
                responses_read += 1
                reply = response["response"].strip()
                _, ratings = replies.setdefault((key, _text_normalise(reply)), (reply, {}))
                for raw_dimension, value in response.get("annotation", {}).items():
                    dimension = raw_dimension.lower()
                    rating = _mrbench_rating(dimension, value.strip()) if dimension in CRITIC_DIMENSIONS else None
                    if rating is not None:
                        ratings[dimension] = rating

    examples = [
        CriticExample(
            conversation_id=key, dialogue=mrbench_dialogue_parse(histories[key]), reply=reply, ratings=ratings,
        )
        for (key, _), (reply, ratings) in replies.items()
        if ratings and reply
    ]
    held_out = conversation_holdout(conversation_ids=histories, fraction=test_fraction, seed=seed)
    train = tuple(example for example in examples if example.conversation_id not in held_out)
    test = tuple(example for example in examples if example.conversation_id in held_out)
    counts = {
        "responses_read": responses_read,
        "conversations": len(histories),
        "replies": len(examples),
        "train": len(train),
        "test": len(test),
    }
    return CriticCorpus(train=train, test=test, counts=counts)
