"""Metering training loops that other libraries run: the Hugging Face Trainer and Lightning.

Each integration lives in its own module and imports its library only when imported
itself (extras ``hf`` and ``lightning``):

    from algoeff.integrations.transformers import ComputeMeterCallback   # transformers.Trainer
    from algoeff.integrations.lightning import ComputeMeterCallback      # lightning.pytorch
"""
