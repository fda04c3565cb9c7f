r"""Deep Knowledge Tracing (Piech et al. 2015): an LSTM reads (skill, answer) pairs and outputs, for every skill,
the probability that the next attempt at it is correct.

    x_t = E[2 k_t + y_t]                         embedding of the (skill, answer) pair, (B, T, D)
    h_t = LSTM(x_{t-1}, h_{t-1})                 h_0 reads a learned start token: P(y_0) uses no answers
    P(y_t = 1 | y_{<t}) = sigmoid(W h_t + b)[k_t]

Training: Adam on the masked binary cross-entropy of padded mini-batches of learners. Whole sequences are read
with truncated back-propagation (the LSTM state carries over between windows of ``bptt`` steps, gradients stop at
window edges), so training sees the same full-history states as prediction. Early stopping on the validation
split's next-step AUC keeps the best epoch's weights.

Future without answers (``predict_future``): the LSTM is warm-started on the observed history; for each future
step it predicts p_t for the step's skill, then reads the *expected* input
x_t = p_t E[2 k_t + 1] + (1 - p_t) E[2 k_t], the embedding of the answer averaged under its own prediction, so the
state moves with practice but no answer is ever looked at.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from knowledge.evaluate import metrics
from knowledge.evaluate.datasets import Interactions


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch on one thread: DKT's per-step LSTM ops are too small to gain from intra-op threads, and on a busy
    machine the threads' synchronisation made fitting slower (measured 13.5 s on one thread, 17 s on two)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class DKTNetwork(nn.Module):
    def __init__(self, n_skills: int, embedding_size: int, hidden_size: int, dropout: float):
        super().__init__()
        self.n_skills = n_skills
        self.start_token = 2 * n_skills
        self.embedding = nn.Embedding(2 * n_skills + 1, embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, n_skills)

    def forward(self, inputs: torch.Tensor, skills: torch.Tensor, state=None) -> tuple[torch.Tensor, tuple]:
        """inputs (B, T) tokens read before each step, skills (B, T) skill of each step -> logits (B, T), state."""
        hidden, state = self.lstm(self.embedding(inputs), state)  # (B, T, H)
        logits = self.out(self.dropout(hidden))  # (B, T, K)
        return logits.gather(-1, skills.unsqueeze(-1)).squeeze(-1), state

    def step_expected(self, skill: torch.Tensor, p_correct: torch.Tensor, state: tuple) -> tuple:
        """Advance one step on the expected embedding of (skill, answer) with P(answer = 1) = p_correct, (B,)."""
        right = self.embedding(2 * skill + 1)  # (B, D)
        wrong = self.embedding(2 * skill)
        expected = p_correct.unsqueeze(-1) * right + (1 - p_correct.unsqueeze(-1)) * wrong
        _, state = self.lstm(expected.unsqueeze(1), state)
        return state

    def predict_step(self, skill: torch.Tensor, state: tuple) -> torch.Tensor:
        """P(correct) on ``skill`` (B,) from the last hidden state, (B,)."""
        hidden = state[0][-1]  # (B, H)
        return torch.sigmoid(self.out(hidden).gather(-1, skill.unsqueeze(-1)).squeeze(-1))


class PaddedLearners:
    """Each learner's sequence as padded (L, T) tensors, learners in id order."""

    def __init__(self, data: Interactions, start_token: int):
        starts = data.learner_starts()
        self.lengths = np.diff(starts)  # (L,)
        longest = int(self.lengths.max()) if len(self.lengths) else 0
        self.position = data.position()  # (N,)
        shape = (data.n_learners, longest)
        self.skills = torch.zeros(shape, dtype=torch.long)
        self.correct = torch.zeros(shape)
        self.mask = torch.zeros(shape, dtype=torch.bool)
        self.learner = torch.from_numpy(data.learner)
        positions = torch.from_numpy(self.position)
        self.skills[self.learner, positions] = torch.from_numpy(data.skill)
        self.correct[self.learner, positions] = torch.from_numpy(data.correct.astype(np.float32))
        self.mask[self.learner, positions] = True
        # the token read before step t is step t-1's (skill, answer); step 0 reads the start token
        tokens = 2 * self.skills + self.correct.long()
        self.inputs = torch.cat([torch.full((shape[0], 1), start_token), tokens[:, :-1]], dim=1)
        self.inputs[~self.mask] = start_token  # padding; never scored


class DKT:
    """DKT baseline; ``seed`` fixes initialisation and batch order."""

    name = "dkt"

    def __init__(self, *, seed: int = 0, embedding_size: int = 128, hidden_size: int = 256, dropout: float = 0.5,
                 learning_rate: float = 1e-3, batch_size: int = 16, bptt: int = 100, max_epochs: int = 30,
                 patience: int = 4):
        self.seed = seed
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.bptt = bptt
        self.max_epochs = max_epochs
        self.patience = patience
        self.network: DKTNetwork | None = None
        self.epochs_trained = 0

    @single_threaded()
    def fit(self, train: Interactions, valid: Interactions | None) -> None:
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.network = DKTNetwork(train.n_skills, self.embedding_size, self.hidden_size, self.dropout)
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.learning_rate)
        padded = PaddedLearners(train, self.network.start_token)
        # learners of similar length share a batch, so little of each batch is padding
        by_length = np.argsort(padded.lengths, kind="stable")
        batches = [by_length[i:i + self.batch_size] for i in range(0, len(by_length), self.batch_size)]
        use_valid = valid is not None and len(valid) > 0
        best_auc, best_weights, epochs_since_best = -np.inf, None, 0
        progress = tqdm(range(self.max_epochs), desc="dkt epochs", leave=False)
        for epoch in progress:
            self.network.train()
            for batch in rng.permutation(len(batches)):
                self._train_batch(padded, torch.from_numpy(batches[batch]), optimiser)
            self.epochs_trained = epoch + 1
            if not use_valid:
                continue
            valid_auc = metrics.auc(valid.correct, self.predict_next_step(valid))
            progress.set_postfix(valid_auc=f"{valid_auc:.4f}")
            if valid_auc > best_auc:
                best_auc, best_weights, epochs_since_best = valid_auc, copy.deepcopy(self.network.state_dict()), 0
            else:
                epochs_since_best += 1
                if epochs_since_best >= self.patience:
                    break
        if best_weights is not None:
            self.network.load_state_dict(best_weights)

    def _train_batch(self, padded: PaddedLearners, batch: torch.Tensor, optimiser: torch.optim.Optimizer) -> None:
        longest = int(padded.lengths[batch.numpy()].max())
        state = None
        for start in range(0, longest, self.bptt):
            window = slice(start, min(start + self.bptt, longest))
            logits, state = self.network(padded.inputs[batch, window], padded.skills[batch, window], state)
            state = tuple(s.detach() for s in state)  # truncated back-propagation through time
            mask = padded.mask[batch, window]
            loss = nn.functional.binary_cross_entropy_with_logits(logits[mask], padded.correct[batch, window][mask])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    @torch.no_grad()
    def predict_next_step(self, data: Interactions) -> np.ndarray:
        self.network.eval()
        padded = PaddedLearners(data, self.network.start_token)
        logits, _ = self.network(padded.inputs, padded.skills)  # (L, T)
        return torch.sigmoid(logits[padded.learner, torch.from_numpy(padded.position)]).numpy().astype(np.float64)

    @torch.no_grad()
    def predict_future(self, history: Interactions, future: Interactions) -> np.ndarray:
        self.network.eval()
        seen = PaddedLearners(history, self.network.start_token)
        # read every history step, then the last answer, so the state has seen the whole history
        last = torch.from_numpy(seen.lengths - 1)
        learners = torch.arange(len(last))
        last_tokens = (2 * seen.skills + seen.correct.long())[learners, last]
        inputs = torch.cat([seen.inputs, torch.full((len(last), 1), self.network.start_token)], dim=1)
        inputs[learners, last + 1] = last_tokens
        # the LSTM state after each learner's own last step (padding after it must not leak in)
        state = self._state_at(inputs, last + 1)

        blind = replace(future, correct=np.zeros_like(future.correct))  # the future's answers are not ours to read
        coming = PaddedLearners(blind, self.network.start_token)
        p_future = torch.zeros(coming.skills.shape)
        for t in range(coming.skills.shape[1]):
            skill = coming.skills[:, t]
            p_future[:, t] = self.network.predict_step(skill, state)
            state = self.network.step_expected(skill, p_future[:, t], state)
        return p_future[coming.learner, torch.from_numpy(coming.position)].numpy().astype(np.float64)

    def _state_at(self, inputs: torch.Tensor, last: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(h, c) of each learner after reading inputs[:, :last+1], each (1, L, H)."""
        lengths = (last + 1).tolist()
        packed = nn.utils.rnn.pack_padded_sequence(self.network.embedding(inputs), lengths, batch_first=True,
                                                   enforce_sorted=False)
        _, state = self.network.lstm(packed)
        return state
