"""Layer 4, the dataset: load it once, validate it, derive estimates, the frontier and trends.

Imports from ``algoeff.core`` and ``algoeff.model``.
"""
