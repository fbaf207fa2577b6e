"""nn-playground's models: the lecture's networks, datasets, losses and training, in plain PyTorch.

Read models/loop.py first: the training loop a student writes (forward, loss, backward, step) on
the network of models/network.py, the data of models/datasets.py and the losses of
models/losses.py, configured by models/configs.py. Then the fast engine beside it, held equal to
that loop step for step (models/engine/: RunGroup, Trainer), and what a trained network computes,
exactly (models/analysis.py) and as the playground's pictures (models/pictures.py).
Pure PyTorch + numpy + scikit-learn; never imports the server.
"""
