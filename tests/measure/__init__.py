"""Tests of algoeff.measure (need the torch extra)."""
