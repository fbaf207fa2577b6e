"""The lecture's training loop, written the way a student writes it: forward, loss, backward, step.

Read this first. One plain nn.Module (models/network.py; it adds any input features to x itself),
one torch.optim optimiser and, at every step, one batch of the training set. The batches come in
the engine's batch order, so the fast engine (models/engine/) can be held equal to this loop step
for step. Nothing here is batched or optimised; it must stay the readable reference.
"""

from collections.abc import Iterable

import torch

from models.configs import ADAM_BETAS, ADAM_EPS, RunConfig, TrainingConfig
from models.datasets import Dataset, make_dataset
from models.engine.sampling import epoch_batches, steps_per_epoch
from models.losses import loss_function
from models.network import MLP


def make_optimizer(training: TrainingConfig,
                   parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """torch.optim's optimiser for `training`; weight decay is the L2 penalty added to the gradient
    (L1 is added to the loss, in Loop.step).

    sgd:      phi <- phi - learning_rate * g
    momentum: v <- momentum * v + g;  phi <- phi - learning_rate * v
    adam:     running means of g and g^2 (betas 0.9, 0.999), bias-corrected step
    """
    rate, decay = training.learning_rate, training.weight_decay
    if training.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=rate, weight_decay=decay)
    if training.optimizer == "momentum":
        return torch.optim.SGD(parameters, lr=rate, momentum=training.momentum, weight_decay=decay)
    return torch.optim.Adam(parameters, lr=rate, betas=ADAM_BETAS, eps=ADAM_EPS,
                            weight_decay=decay)


def l1_penalty(model: torch.nn.Module) -> torch.Tensor:
    """sum |theta| over every parameter; its gradient is sign(theta) (0 at 0)."""
    return sum(p.abs().sum() for p in model.parameters())


class Loop:
    """One run trained the plain way: `loop.step(100)`, then `loop.losses()` or `loop.model`.

    The same config gives the same data and starting weights as the engine (both draw them from
    the config's seeds), and the same batches, so their losses agree step for step.
    """

    def __init__(self, config: RunConfig | None = None) -> None:
        self.config = config if config is not None else RunConfig()
        self.data: Dataset = make_dataset(self.config.dataset)  # x (N, inputs), y (N, outputs)
        generator = torch.Generator().manual_seed(self.config.training.seed)
        self.model = MLP(self.config.model, generator)  # the seeded starting weights
        self.optimizer = make_optimizer(self.config.training, self.model.parameters())
        self.loss = loss_function(self.data.info.task)  # MSE, binary or multiclass cross-entropy
        self.step_count = 0  # optimiser updates done
        self.epoch, self.batches = -1, []  # the current pass over the training set, its batches

    def batch(self) -> torch.Tensor:
        """Indices (B,) of this step's training points: each point once per epoch, reshuffled
        every epoch (the full training set every step when batch_size is None)."""
        n_train, batch_size = len(self.data.x_train), self.config.training.batch_size
        epoch, position = divmod(self.step_count, steps_per_epoch(n_train, batch_size))
        if epoch != self.epoch:  # a new epoch: a new order of the points
            seed = self.config.training.seed
            self.epoch, self.batches = epoch, epoch_batches(seed, n_train, batch_size, epoch)
        return self.batches[position]

    def step(self, n: int = 1) -> None:
        """n steps of (stochastic) gradient descent, one batch each."""
        for _ in range(n):
            batch = self.batch()  # (B,)
            x, y = self.data.x_train[batch], self.data.y_train[batch]  # (B, inputs), (B, ...)
            self.model.train()  # dropout on; batch norm normalises with the batch's statistics
            self.optimizer.zero_grad()  # backward() adds to .grad: clear the last step's
            output = self.model(x)  # forward: (B, inputs) -> (B, outputs)
            loss = self.loss(output, y)  # mean negative log-likelihood of the batch, a scalar
            if self.config.training.l1 > 0:  # L1: the penalty l1 * sum |theta| joins the loss
                loss = loss + self.config.training.l1 * l1_penalty(self.model)
            loss.backward()  # backpropagation: dL/dphi into every parameter's .grad
            self.optimizer.step()  # phi <- phi - learning_rate * dL/dphi (or momentum's, Adam's)
            self.step_count += 1

    @torch.no_grad()
    def losses(self) -> tuple[float, float | None]:
        """Loss on the whole training set and on the test set (None without test points), with
        the network in eval mode (no dropout, batch norm's running statistics)."""
        self.model.eval()
        train = float(self.loss(self.model(self.data.x_train), self.data.y_train))
        if len(self.data.x_test) == 0:
            return train, None
        return train, float(self.loss(self.model(self.data.x_test), self.data.y_test))

    def parameters(self) -> torch.Tensor:
        """Every parameter in one flat (P,) tensor, in the order of model.parameters()."""
        return torch.cat([p.detach().reshape(-1) for p in self.model.parameters()])
