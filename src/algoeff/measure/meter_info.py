"""What the meter records about the run's setting: times, versions, the device."""

from __future__ import annotations

import datetime as dt
from importlib import metadata

import torch
from torch import nn


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def version() -> str:
    try:
        return metadata.version("algoeff")
    except metadata.PackageNotFoundError:
        return "unknown"


def device_of(model: nn.Module) -> str:
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
