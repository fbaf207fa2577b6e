"""Which training points each step sees, and the dropout masks: counter-based randomness.

Every random choice is a hash of (seed, epoch or step, position), so a run's batches do not depend
on which group it trains in, and resuming needs only its counters. No generator state to carry.
"""

import torch

Tensor = torch.Tensor
_MASK32 = 0xFFFFFFFF
_PAD_KEY = 1 << 40  # sorts padding rows (i >= n) after every real key (keys are < 2**32)


def _mix(x: Tensor) -> Tensor:
    """A 32-bit integer hash of int64 tensors holding values in [0, 2**32) (products < 2**63)."""
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _MASK32
    x = x ^ (x >> 15)
    x = (x * 0x5BD1E995) & _MASK32
    return x ^ (x >> 16)


def seed_key(seed: Tensor) -> Tensor:
    """Fold a 63-bit seed (int64 tensor) into a 32-bit key."""
    return _mix(_mix(seed & _MASK32) ^ (seed >> 32))


def hash3(key: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """Uniform 32-bit values from a seed key and two counters (all broadcast, int64)."""
    return _mix(_mix(key ^ (a & _MASK32)) ^ (b & _MASK32))


def steps_per_epoch(n_train: int, batch_size: int | None) -> int:
    """Steps in one pass over the training set (the last batch may be smaller)."""
    batch = n_train if batch_size is None else min(batch_size, n_train)
    return -(-n_train // batch)


def epoch_order(seed: int, n_train: int, batch_size: int | None, epoch: int) -> Tensor:
    """The order of the training points in `epoch`: identity for full batch, else a permutation."""
    if batch_size is None or batch_size >= n_train:
        return torch.arange(n_train)
    index = torch.arange(n_train, dtype=torch.int64)
    keys = hash3(seed_key(torch.tensor(seed, dtype=torch.int64)), torch.tensor(epoch), index)
    return torch.argsort(keys, stable=True)


def epoch_batches(seed: int, n_train: int, batch_size: int | None, epoch: int) -> list[Tensor]:
    """The minibatches (index tensors) of one epoch, in the order the engine uses them."""
    batch = n_train if batch_size is None else min(batch_size, n_train)
    return list(epoch_order(seed, n_train, batch_size, epoch).split(batch))


def block_indices(seed_keys: Tensor, n_train: Tensor, batch: Tensor, epochs: Tensor,
                  positions: Tensor, distinct: int, size: int,
                  width: int) -> tuple[Tensor, Tensor]:
    """The batches of T steps for R runs at once, equal to `epoch_batches` run by run.

    seed_keys, n_train, batch (R,) int64: `seed_key(seed)`, training points and batch size per
    run; epochs and positions (T, R): the epoch and the batch number inside it at each step
    (epochs never decrease along T and span `distinct` values per run at most); size: the padded
    number of training points; width >= max(batch). All on one device; nothing is read back.
    Returns rows (T, R, width) into each run's padded training set and valid (T, R, width).
    """
    device = seed_keys.device
    first = epochs[0]  # (R,)
    index = torch.arange(size, device=device)  # (N,)
    epoch_k = first[None, :] + torch.arange(distinct, device=device)[:, None]  # (K, R)
    keys = hash3(seed_keys[None, :, None], epoch_k[:, :, None], index)  # (K, R, N)
    full = (batch >= n_train)[None, :, None]  # full batch: the identity order
    keys = torch.where(full, index, keys)
    keys = torch.where(index < n_train[:, None], keys, _PAD_KEY)
    order = torch.argsort(keys, dim=-1, stable=True)  # (K, R, N)
    column = torch.arange(width, device=device)  # (W,)
    rows = (positions * batch)[:, :, None] + column  # (T, R, W)
    valid = (column < batch[None, :, None]) & (rows < n_train[None, :, None])
    rows = rows.clamp(max=size - 1)
    which = (epochs - first)[:, :, None]  # (T, R, 1)
    run = torch.arange(len(n_train), device=device)[None, :, None]
    return order[which, run, rows], valid


def dropout_keep(key: Tensor, step: Tensor, layer: int, shape: tuple[int, int, int],
                 p: float) -> Tensor:
    """Dropout keep-mask (R, B, D) for one layer at one step, scaled by 1 / (1 - p).

    key (R,) the runs' seed keys, step (R,) their step counters.
    """
    runs, rows, units = shape
    position = torch.arange(rows * units, device=key.device).view(1, rows, units)
    salted = hash3(key.view(runs, 1, 1) ^ (layer * 0x9E3779B1 & _MASK32), step.view(runs, 1, 1),
                   position)
    uniform = salted.to(torch.float32) * (1.0 / 2**32)
    return (uniform >= p).to(torch.float32) * (1.0 / (1.0 - p))
