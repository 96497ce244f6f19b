"""Layer 3, the model: what an entry, a benchmark, a compute method, a chip and a run log are.

Imports only from ``algoeff.core``.
"""
