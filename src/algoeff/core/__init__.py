"""Layers 1 and 2, the bottom of the package: files and errors, then units and field types.

``errors``, ``text``, ``files`` and ``parsing`` know nothing of ML; ``units`` and
``fields`` add the quantities and validated field types the model is written in.
Nothing here imports from any other layer.
"""
