"""nn-playground's models: the lecture's networks, datasets, losses and training, in plain PyTorch.

Read models/loop.py first: the training loop a student writes (forward, loss, backward, step).
Then the fast engine beside it, held equal to that loop (models.engine: RunGroup, Trainer), and
the exact analysis of what a trained network computes (models/analysis.py).
Pure PyTorch + numpy + scikit-learn; never imports the server.
"""
