"""Shared helpers for the engine tests: the independent reference (a plain nn.Module trained alone
with torch.optim on the same batches) and small run configs."""

import pytest
import torch

from models.datasets import DatasetConfig, make_dataset
from models.engine import RunConfig, TrainingConfig
from models.losses import loss_function
from models.network import MLP, ModelConfig
from models.schedule import epoch_batches, steps_per_epoch


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def run_config(dataset: str = "sine", n_points: int = 40, seed: int = 0, inputs: int = 1,
               outputs: int = 1, **settings) -> RunConfig:
    """A small run; `settings` go to ModelConfig or TrainingConfig by name."""
    model_fields = set(ModelConfig.__dataclass_fields__)
    model = {k: v for k, v in settings.items() if k in model_fields}
    training = {k: v for k, v in settings.items() if k not in model_fields}
    model.setdefault("hidden_units", 8)
    return RunConfig(DatasetConfig(name=dataset, n_points=n_points, seed=seed),
                     ModelConfig(inputs=inputs, outputs=outputs, **model),
                     TrainingConfig(**training))


def reference_optimizer(training: TrainingConfig, params) -> torch.optim.Optimizer:
    if training.optimizer == "sgd":
        return torch.optim.SGD(params, lr=training.learning_rate,
                               weight_decay=training.weight_decay)
    if training.optimizer == "momentum":
        return torch.optim.SGD(params, lr=training.learning_rate, momentum=training.momentum,
                               weight_decay=training.weight_decay)
    return torch.optim.Adam(params, lr=training.learning_rate,
                            weight_decay=training.weight_decay)


class Reference:
    """The student's loop: MLP + torch.optim, one batch per step from the engine's schedule."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.data = make_dataset(config.dataset)
        generator = torch.Generator().manual_seed(config.training.seed)
        self.module = MLP(config.model, generator)
        self.optimizer = reference_optimizer(config.training, self.module.parameters())
        self.loss = loss_function(self.data.info.task)
        self.step_count = 0

    def full_losses(self) -> tuple[float, float]:
        self.module.eval()
        with torch.no_grad():
            train = self.loss(self.module(self.data.x_train), self.data.y_train)
            test = self.loss(self.module(self.data.x_test), self.data.y_test)
        return float(train), float(test)

    def step(self, n: int = 1) -> None:
        n_train = len(self.data.x_train)
        batch_size = self.config.training.batch_size
        per_epoch = steps_per_epoch(n_train, batch_size)
        for _ in range(n):
            epoch, position = divmod(self.step_count, per_epoch)
            batch = epoch_batches(self.config.training.seed, n_train, batch_size, epoch)[position]
            self.module.train()
            self.optimizer.zero_grad()
            loss = self.loss(self.module(self.data.x_train[batch]), self.data.y_train[batch])
            loss.backward()
            self.optimizer.step()
            self.step_count += 1

    def flat(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in self.module.parameters()])
