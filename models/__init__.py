"""nn-playground's models: networks, datasets, losses, the batched training engine, analysis.

Pure PyTorch + numpy + scikit-learn; never imports the server. Start with models.engine.Trainer.
"""
