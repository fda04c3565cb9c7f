from pathlib import Path

import pytest

from llm.corpora import corpus_files_missing, data_dir_default


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real corpora in ../shared/data; tests that need them skip, saying why, where they are absent."""
    path = data_dir_default()
    missing = corpus_files_missing(data_dir=path)
    if missing:
        pytest.skip(f"../shared/data is absent: {len(missing)} corpus files missing under {path}, e.g. {missing[0]}")
    return path
