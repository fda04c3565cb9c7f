from pathlib import Path

import pytest

from knowledge.evaluate.datasets import data_dir_default
from llm.decision_models import DecisionModels
from llm.evaluate.corpora import corpus_files_missing
from llm.evaluate.decision_training import decision_models_save, decision_models_train


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora in ../shared/data; tests that need them skip, saying why, where they are absent."""
    path = data_dir_default()
    missing = corpus_files_missing(data_dir=path)
    if missing:
        pytest.skip(f"../shared/data is absent: {len(missing)} corpus files missing under {path}, e.g. {missing[0]}")
    return path


@pytest.fixture(scope="session")
def small_models(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[DecisionModels, Path]:
    """Every head trained on the first rows of each corpus and saved, once for the run: (models, version folder).
    Training is the slow part of the decision-model tests (mark their users slow); nothing may write into the
    folder."""
    models = decision_models_train(data_dir=data_dir, seed=0, limit=80, progress=False)
    return models, decision_models_save(models, root=tmp_path_factory.mktemp("decision-models"))
