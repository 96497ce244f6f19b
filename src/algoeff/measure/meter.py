"""ComputeMeter: the training FLOP a real PyTorch loop executes, and when it first reached a target.

    meter = ComputeMeter(model, threshold=0.95, metric="accuracy", log_path="run.jsonl")
    for x, y in loader:
        with meter.step(examples=len(x)):
            loss = loss_fn(model(x), y); loss.backward(); opt.step(); opt.zero_grad()
    meter.evaluate(accuracy=acc)        # records the metric; notices the first crossing
    meter.close()                       # final record; meter.result has the totals

How it counts. algoeff's gap-closing FlopCounterMode
(``algoeff.measure.counting.flop_counter_mode``) sees every matmul, convolution,
attention and recurrent call at the dispatcher, so a step is counted as
it actually runs: forward, backward and anything else inside it. Counting every
step through a Python dispatch mode would slow training several-fold, so each
distinct step *signature* (the shapes, dtypes and devices of the model's inputs,
``model.training`` and grad mode) is counted once, when first seen, and its count
reused for every later step with that signature. The model's inputs are seen by
a forward pre-hook on the model, removed by ``close()``; pickle the state_dict,
not the whole module, while it is metered (the hooks are closures).

Phases. The counter files every counted operation by when it ran: outside
autograd's backward (forward), inside it with grad mode off (backward), or inside it
with grad mode ON (the forward recomputation of activation checkpointing, which
torch.utils.checkpoint runs under ``enable_grad``). Model FLOP = forward + backward;
hardware FLOP adds the recomputation. A fused attention backward counts as the four
products autograd needs (2x the forward), as in ``count_flops``. ``training_flop``
everywhere means model FLOP.

Evaluation. Calls of the model outside ``meter.step()`` are evaluation (or any
other non-training) forward passes; they are counted the same way, per call
signature, and reported separately as ``eval_flop``.

Distributed. Under torch.distributed each rank counts its own work; totals in
evaluation records, the final record and ``meter.result`` are summed over ranks
by an all-reduce, so ``evaluate()``, ``result`` and ``close()`` are collectives
that every rank must call. Only rank 0 writes the run log.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from types import TracebackType
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from algoeff.core.units import Direction, reached
from algoeff.measure.counting import (
    GapClosingFlopCounterMode,
    flop_counter_mode,
    warn_unsupported,
)
from algoeff.measure.distributed import all_reduce, broadcast, rank_and_world
from algoeff.measure.hooks import install_hooks, unwrap
from algoeff.measure.meter_info import device_of, now, version
from algoeff.measure.replay import ReplayCall, note_call, replay
from algoeff.measure.signature import SignatureCount, call_key, show_call
from algoeff.model.runlog import (
    SCHEMA_ID,
    Evaluation,
    Final,
    Header,
    ModelSummary,
    RunLogWriter,
    Signature,
    Steps,
)

DEFAULT_FLUSH_EVERY = 100
# Recorded in each log's header as the counter that produced the counts.
COUNTER_NAME = "algoeff.measure.counting.flop_counter_mode"


@dataclass(frozen=True)
class RunResult:
    """Totals of a metered run (summed over ranks under torch.distributed)."""

    training_flop: int  # model FLOP: forward + backward
    hardware_flop: int  # training_flop + recomputed forward work
    flop_to_target: int | None  # training_flop at the first evaluation reaching the threshold
    examples: int
    steps: int
    wall_seconds: float
    evaluations: tuple[Evaluation, ...]
    eval_flop: int
    examples_to_target: int | None
    steps_to_target: int | None
    # operators with arithmetic and no formula seen while counting (calls per counted
    # signature, this rank); their FLOP are missing from the totals
    unsupported: dict[str, int] = field(default_factory=dict)


class _StepContext:
    """The context manager returned by ``meter.step()``; one reused instance, for speed."""

    __slots__ = ("examples", "meter")

    def __init__(self, meter: ComputeMeter) -> None:
        self.meter = meter
        self.examples = 0

    def __enter__(self) -> None:
        self.meter._begin_step()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.meter._end_step(self.examples, failed=kind is not None)


class ComputeMeter:
    """Measure the training compute of a real loop and its compute-to-target.

    ``metric``, ``threshold`` and ``direction`` say which evaluation counts as reaching
    the target; ``seed`` is recorded in the log's header (the meter sets no seed).
    ``log_path=None`` writes no log. Use as a context manager or call ``close()``.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        metric: str | None = None,
        threshold: float | None = None,
        direction: Direction = "higher",
        log_path: str | Path | None = None,
        overwrite: bool = False,
        seed: int | None = None,
        flush_every: int = DEFAULT_FLUSH_EVERY,
    ) -> None:
        if direction not in ("higher", "lower"):
            raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
        if flush_every < 1:
            raise ValueError(f"flush_every must be at least 1, not {flush_every}")
        if (metric is None) != (threshold is None):
            given, missing = (
                ("metric", "threshold") if threshold is None else ("threshold", "metric")
            )
            raise ValueError(
                f"ComputeMeter: {given} given without {missing}: give both (the meter watches "
                "for the first evaluation reaching the threshold) or neither (it only counts)"
            )
        if log_path is not None and metric is None:
            raise ValueError(
                "ComputeMeter: a run log records its target, so log_path needs metric and "
                "threshold (e.g. metric='accuracy', threshold=0.9); without them the meter "
                "only counts (meter.result)"
            )
        path = Path(log_path) if log_path is not None else None
        self.rank, self.world_size = rank_and_world()
        if path is not None and self.rank == 0 and path.exists() and not overwrite:
            raise FileExistsError(
                f"ComputeMeter: {path} exists (a previous run's log?); pass overwrite=True "
                "to replace it, or choose another log_path"
            )
        self.model = model
        self.threshold = None if threshold is None else float(threshold)
        self.metric = metric
        self.direction: Direction = direction
        self.flush_every = flush_every
        # How many times the FLOP counter ran (once per new signature); tests assert on it.
        self.counter_runs = 0

        self._train: dict[Hashable, SignatureCount] = {}  # full step key -> count
        self._first: dict[Hashable, Hashable] = {}  # first call's key -> full step key
        self._single: dict[Hashable, SignatureCount] = {}  # one-call steps: the call's key -> count
        self._eval: dict[Hashable, SignatureCount] = {}
        self._recount = False
        self._warned: set[str] = set()
        self._unsupported: Counter[str] = Counter()

        self._in_step = False
        self._step_calls: list[Hashable] = []
        self._step_counter: GapClosingFlopCounterMode | None = None
        self._eval_counter: GapClosingFlopCounterMode | None = None
        self._eval_key: Hashable = None
        self._eval_closer: RemovableHandle | None = None
        self._depth = 0

        self._training_flop = 0
        self._hardware_flop = 0
        self._examples = 0
        self._steps = 0
        self._eval_flop = 0
        self._evaluations: list[Evaluation] = []
        self._target: Evaluation | None = None
        self._group: tuple[SignatureCount, int, int] | None = None  # count, steps, examples
        self._closed = False
        self._step_context = _StepContext(self)

        self._started = time.perf_counter()
        self._writer = RunLogWriter(path) if path is not None and self.rank == 0 else None
        if self._writer is not None:
            self._write(self._header(seed))
        self._outer = 0  # calls of a compiled wrapper in progress (algoeff.measure.hooks)
        self._replay_calls: list[ReplayCall] | None = None
        self._replay_module: nn.Module | None = None
        self._hooks = install_hooks(self, model)

    # --- public API --------------------------------------------------------------

    def step(self, examples: int) -> _StepContext:
        """Context manager around one training step (forward, backward, optimizer)."""
        if examples.__class__ is not int and (
            isinstance(examples, bool) or not isinstance(examples, Integral)
        ):
            raise TypeError(
                f"meter.step(examples=...) takes the number of training examples in the step, "
                f"a positive integer, not {type(examples).__name__} {examples!r}"
            )
        if examples < 1:
            raise ValueError(
                f"meter.step(examples=...) takes the number of training examples in the step, "
                f"a positive integer, not {examples}"
            )
        ctx = self._step_context
        ctx.examples = int(examples)
        return ctx

    def evaluate(self, **metrics: float) -> bool:
        """Record metric values; True when this is the first evaluation reaching the threshold.

        Under torch.distributed every rank must call it (totals are all-reduced) and rank
        0's metric values are the ones recorded.
        """
        if self._in_step:
            raise RuntimeError("meter.evaluate() was called inside meter.step()")
        if self._closed:
            raise RuntimeError("meter.evaluate() was called after meter.close()")
        self._flush()
        values = {name: float(v) for name, v in metrics.items()}
        if self.world_size > 1:
            values = broadcast(values)
        if self.metric is not None and self.metric not in values:
            got = ", ".join(sorted(values)) or "none"
            raise ValueError(
                f"meter.evaluate(): this meter watches {self.metric!r} (threshold "
                f"{self.threshold:g}) and got no value for it; got: {got}. Pass "
                f"{self.metric}=..., or create the meter with metric= naming the one you log"
            )
        totals = self._totals()
        crossed = (
            self._target is None
            and self.metric is not None
            and self.threshold is not None
            and reached(values[self.metric], self.threshold, self.direction)
        )
        record = Evaluation(
            record="evaluation",
            index=len(self._evaluations) + 1,
            metrics=values,
            training_flop=totals[0],
            hardware_flop=totals[1],
            examples=totals[2],
            steps=totals[3],
            eval_flop=totals[4],
            wall_seconds=round(time.perf_counter() - self._started, 6),
            crossed=crossed,
        )
        self._evaluations.append(record)
        if crossed:
            self._target = record
        self._write(record)
        return crossed

    @property
    def result(self) -> RunResult:
        """The totals so far (a collective under torch.distributed: call it on every rank)."""
        self._flush()
        training, hardware, examples, steps, eval_flop = self._totals()
        target = self._target
        return RunResult(
            training_flop=training,
            hardware_flop=hardware,
            flop_to_target=target.training_flop if target else None,
            examples=examples,
            steps=steps,
            wall_seconds=time.perf_counter() - self._started,
            evaluations=tuple(self._evaluations),
            eval_flop=eval_flop,
            examples_to_target=target.examples if target else None,
            steps_to_target=target.steps if target else None,
            unsupported=dict(sorted(self._unsupported.items())),
        )

    def close(self) -> RunResult:
        """Write the final record, close the log and remove the hooks; returns the result."""
        if self._closed:
            return self.result
        result = self.result
        self._write(
            Final(
                record="final",
                training_flop=result.training_flop,
                hardware_flop=result.hardware_flop,
                examples=result.examples,
                steps=result.steps,
                eval_flop=result.eval_flop,
                evaluations=len(result.evaluations),
                wall_seconds=round(result.wall_seconds, 6),
                flop_to_target=result.flop_to_target,
                ended_at=now(),
            )
        )
        if self._writer is not None:
            self._writer.close()
        for hook in self._hooks:
            hook.remove()
        self._closed = True
        return result

    def __enter__(self) -> ComputeMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Calls of the model inside this block are not counted at all (e.g. a logging probe)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    # --- seeing the model's calls -----------------------------------------------------

    def _compiled_call(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """Note a call that runs compiled (see algoeff.measure.hooks); no counter is opened
        around it: a new signature is counted by replaying it on meta tensors."""
        if self._closed or self._depth:
            return
        key = call_key(module, args, kwargs)
        if self._in_step:
            self._step_calls.append(key)
            if self._replay_calls is not None:
                self._replay_calls.append(note_call(key, args, kwargs))
            elif len(self._step_calls) == 1 and (self._recount or key not in self._first):
                self._replay_calls, self._replay_module = [note_call(key, args, kwargs)], module
            return
        count = self._eval.get(key)
        if count is None:
            replayed = self._replayed(module, [note_call(key, args, kwargs)], backward=False)
            count = SignatureCount(f"e{len(self._eval) + 1}", key, *replayed)
            self._eval[key] = count
            self._write(self._signature_record(count, "eval"))
        self._eval_flop += count.model

    def _replayed(
        self, module: nn.Module, calls: list[ReplayCall], *, backward: bool
    ) -> tuple[int, int, int]:
        self.counter_runs += 1
        self._depth += 1  # the replay calls the module: its hooks must not see that
        try:
            counted = replay(module, calls, backward=backward)
        finally:
            self._depth -= 1
        if counted.unsupported:
            self._unsupported.update(counted.unsupported)
            warn_unsupported(counted.unsupported, "ComputeMeter (compiled model)", stacklevel=6)
        return counted.forward, counted.backward, counted.recomputed

    def _before_call(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """Note a call of the model; True when it opened an evaluation count to close after.

        Counting starts here, inside the model's call: FlopCounterMode is entered from the
        pre-hook and left when the step (or, for evaluation, this call) ends.
        """
        if self._in_step:
            key = call_key(module, args, kwargs)
            self._step_calls.append(key)
            if len(self._step_calls) == 1 and (self._recount or key not in self._first):
                self._step_counter = flop_counter_mode()
                self.counter_runs += 1
                self._step_counter.__enter__()
            return False
        if self._eval_counter is not None:
            return False  # the model called inside its own evaluation forward
        key = call_key(module, args, kwargs)
        count = self._eval.get(key)
        if count is not None:
            self._eval_flop += count.model
            return False
        self._eval_key = key
        self._eval_counter = flop_counter_mode()
        self.counter_runs += 1
        self._eval_counter.__enter__()
        return True

    def _after_eval_call(self, failed: bool) -> None:
        counter = self._eval_counter
        if counter is None:
            return
        self._eval_counter = None
        counter.__exit__(None, None, None)
        if failed:
            return
        self._note_unsupported(counter)
        count = SignatureCount(
            f"e{len(self._eval) + 1}",
            self._eval_key,
            counter.forward_flop,
            counter.backward_flop,
            counter.recomputed_flop,
        )
        self._eval[self._eval_key] = count
        self._eval_flop += count.model
        self._write(self._signature_record(count, "eval"))

    # --- steps --------------------------------------------------------------------

    def _begin_step(self) -> None:
        if self._in_step:
            raise RuntimeError("meter.step() blocks cannot be nested")
        if self._closed:
            raise RuntimeError("meter.step() was used after meter.close()")
        self._in_step = True
        self._step_calls = []

    def _end_step(self, examples: int, failed: bool) -> None:
        counter = self._step_counter
        self._step_counter = None
        self._in_step = False
        replay_calls, self._replay_calls = self._replay_calls, None
        if counter is not None:
            counter.__exit__(None, None, None)
        if failed:
            return
        flop: tuple[int, int, int] | None = None
        if counter is not None:
            self._note_unsupported(counter)
            flop = (counter.forward_flop, counter.backward_flop, counter.recomputed_flop)
        elif replay_calls is not None and self._replay_module is not None:
            flop = self._replayed(self._replay_module, replay_calls, backward=True)
        calls = self._step_calls
        if flop is None and len(calls) == 1:
            # The common case (one call, seen before) in one dictionary lookup.
            known = self._single.get(calls[0])
            if known is not None:
                self._account(known, examples)
                return
        if not calls:
            self._warn_once("no-call", "meter.step() saw no call of the model: nothing counted")
            return
        first = self._step_calls[0]
        full = tuple(self._step_calls)
        if flop is not None:
            count = SignatureCount(f"t{len(self._train) + 1}", full, *flop)
            self._train[full] = count
            self._first[first] = full
            if len(full) == 1:
                self._single[first] = count
            self._recount = False
            self._write(self._signature_record(count, "train"))
        else:
            cached = self._train.get(full)
            if cached is None:
                # The later calls of this step differ from the counted step that began the
                # same way: charge that count once and count the next step afresh.
                cached = self._train[self._first[first]]
                self._recount = True
                self._warn_once(
                    "varying",
                    "a step called the model with different inputs than the counted step that "
                    "began the same way; charged that step's count once and recounting",
                )
            count = cached
        self._account(count, examples)

    def _account(self, count: SignatureCount, examples: int) -> None:
        """Add one step of ``count`` to the totals and to the pending group of steps."""
        group = self._group
        if group is not None and group[0] is not count:
            self._flush()  # before the totals move on: a group's totals end with its last step
            group = None
        self._training_flop += count.model
        self._hardware_flop += count.hardware
        self._examples += examples
        self._steps += 1
        if group is None:
            self._group = (count, 1, examples)
        else:
            self._group = (count, group[1] + 1, group[2] + examples)
        if self._group[1] >= self.flush_every:
            self._flush()

    def _flush(self) -> None:
        """Write the pending group of steps (this rank's running totals)."""
        group = self._group
        if group is None:
            return
        self._group = None
        count, steps, examples = group
        self._write(
            Steps(
                record="steps",
                signature=count.id,
                steps=steps,
                examples=examples,
                training_flop_per_step=count.model,
                hardware_flop_per_step=count.hardware,
                training_flop=self._training_flop,
                hardware_flop=self._hardware_flop,
                total_steps=self._steps,
                total_examples=self._examples,
                wall_seconds=round(time.perf_counter() - self._started, 6),
            )
        )

    # --- helpers ------------------------------------------------------------------

    def _totals(self) -> tuple[int, int, int, int, int]:
        """training, hardware, examples, steps, eval FLOP; summed over ranks (steps: max)."""
        local = [self._training_flop, self._hardware_flop, self._examples, self._eval_flop]
        if self.world_size == 1:
            return local[0], local[1], local[2], self._steps, local[3]
        summed = all_reduce(local, "sum")
        (steps,) = all_reduce([self._steps], "max")
        return summed[0], summed[1], summed[2], steps, summed[3]

    def _signature_record(self, count: SignatureCount, kind: str) -> Signature:
        # A training key is the tuple of the step's call keys; an evaluation key is one call's.
        key = count.key
        calls = key if kind == "train" and isinstance(key, tuple) else (key,)
        inputs = "; ".join(show_call(c) for c in calls)
        last = calls[0]
        training, grad = (last[2], last[3]) if isinstance(last, tuple) else (False, False)
        return Signature(
            record="signature",
            id=count.id,
            kind="train" if kind == "train" else "eval",
            inputs=inputs[:2000],
            training=bool(training),
            grad_enabled=bool(grad),
            forward_flop=count.forward,
            backward_flop=count.backward,
            recompute_flop=count.recompute,
            model_flop=count.model,
            hardware_flop=count.hardware,
        )

    def _header(self, seed: int | None) -> Header:
        assert self.metric is not None and self.threshold is not None  # a log needs a target
        inner = unwrap(getattr(self.model, "module", self.model))
        return Header(
            record="header",
            schema_id=SCHEMA_ID,
            started_at=now(),
            algoeff_version=version(),
            torch_version=torch.__version__,
            device=device_of(self.model),
            world_size=self.world_size,
            rank=self.rank,
            seed=seed,
            model=ModelSummary(
                class_name=type(inner).__name__,
                parameters=sum(p.numel() for p in self.model.parameters()),
            ),
            metric=self.metric,
            threshold=self.threshold,
            direction=self.direction,
            counter=COUNTER_NAME,
            flop_convention="multiply-add=2",
            flush_every=self.flush_every,
        )

    def _write(self, record: Any) -> None:
        if self._writer is not None:
            self._writer.write(record)

    def _note_unsupported(self, counter: GapClosingFlopCounterMode) -> None:
        if counter.unsupported:
            self._unsupported.update(counter.unsupported)
            warn_unsupported(counter.unsupported, "ComputeMeter", stacklevel=5)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=3)
