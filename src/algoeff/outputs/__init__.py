"""Layer 5, outputs: tables, the CSV, README regions, the chart and the website.

Everything here is written from a loaded dataset; imports run down to the dataset,
model and core layers.
"""
