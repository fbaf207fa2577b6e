"""The engine's batch order (models/engine/sampling.py): every training point once per epoch, a new
order each epoch and seed, the identity for full batch. The engine and the student's loop both
take their batches from it (tests/models/test_engine.py holds them equal)."""

import torch

from models.engine.sampling import epoch_batches, steps_per_epoch


def test_batch_order_covers_each_point_once_per_epoch_and_reshuffles():
    first = epoch_batches(7, 23, 5, 0)
    second = epoch_batches(7, 23, 5, 1)
    assert [len(b) for b in first] == [5, 5, 5, 5, 3] and steps_per_epoch(23, 5) == 5
    assert sorted(torch.cat(first).tolist()) == list(range(23))
    assert torch.cat(first).tolist() != torch.cat(second).tolist()
    assert torch.cat(epoch_batches(8, 23, 5, 0)).tolist() != torch.cat(first).tolist()
    assert torch.cat(epoch_batches(7, 23, None, 3)).tolist() == list(range(23))
