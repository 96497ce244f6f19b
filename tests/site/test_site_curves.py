"""The threshold section of a benchmark with learning curves: halving time by level, curves.

A planted dataset (compute halving every 12 months, every curve the same shape) must give a
12-month halving time with a 95 % band at every level; the shared synthetic dataset (three
curves, one of them the hostile entry's) gives levels without an interval and one without a
halving time. Build tests read the figures' JSON; browser tests draw them in Chromium.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from site_fixtures import BENCHMARK_ID, HOSTILE_NAME, BuiltSite, Watch, write_dataset

import toy_dataset
from algoeff.dataset.curves import CurvePoint
from algoeff.dataset.derive import derive
from algoeff.dataset.load import load_dataset
from algoeff.dataset.sensitivity import sensitivity
from algoeff.model.schema import Benchmark
from algoeff.outputs.site import build_site, curves_chart
from algoeff.outputs.site.curves_section import threshold_charts

PLANTED_ID = "planted-level"
PLANTED: dict[str, Any] = {
    **toy_dataset.BENCHMARK,
    "id": PLANTED_ID,
    "name": "Planted loss level",
    "label": "Planted",
    "metric": {"name": "validation loss", "unit": "nats"},
    "threshold": 3.28,
    "direction": "lower",
    "baseline": "net-0",
}
# One entry a year, compute halving every 12 months, jittered a little so that the fit has
# scatter (a finite, non-zero interval); every curve reaches 3.28 at the entry's compute.
JITTER = (1.0, 1.08, 0.94, 1.05, 0.97, 1.02)
SHAPE = ((0.125, 4.2), (0.25, 3.7), (0.5, 3.45), (1.0, 3.28))  # (share of compute, loss)


def write_planted(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": [PLANTED]}, sort_keys=False), encoding="utf-8"
    )
    folder = root / "analysis" / PLANTED_ID
    folder.mkdir(parents=True)
    for i, jitter in enumerate(JITTER):
        data = toy_dataset.entry_dict(f"net-{i}", benchmark=PLANTED_ID, name=f"Net {i}")
        data["publication"] = copy.deepcopy(data["publication"]) | {"date": f"{2015 + i}-06-01"}
        data["result"]["value"] = 3.28
        data["published"] = []
        epochs = round(10 * 2.0**-i * jitter, 6)
        data["compute"]["epochs"] = {"value": epochs, "unit": "epoch", "source": "paper"}
        flop = 6.0e15 * epochs
        data["compute"]["training_flop"] = flop
        data["curve"] = {"points": [[flop * s, v] for s, v in SHAPE], "source": "paper"}
        (folder / f"net-{i}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    base = tmp_path_factory.mktemp("planted")
    out = build_site(write_planted(base / "data-set"), base / "site").out
    return BuiltSite("planted", out, {})


def islands(page: Path) -> dict[str, dict[str, Any]]:
    """Every chart's figure on ``page`` by its island's id; JSON without NaN or Infinity."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a figure: not JSON")

    text = page.read_text(encoding="utf-8")
    found = re.findall(
        r'<script type="application/json" id="([a-z-]+)" data-chart="[a-z]+">\n(.*?)\n</script>',
        text,
        re.S,
    )
    return {key: json.loads(body, parse_constant=refuse) for key, body in found}


def test_planted_halving_time_at_every_level(planted: BuiltSite) -> None:
    """The planted 12-month halving time comes out at each of the 12 default levels (3.28 to
    3.50), each with its band; the threshold is marked at 3.28; the table lists every level."""
    page = planted.out / "benchmarks" / PLANTED_ID / "index.html"
    figures = islands(page)
    assert sorted(figures) == ["chart-data", "curves-data", "halving-data"]
    halving = figures["halving-data"]
    band, line = halving["data"]  # the band and the halving times: two traces
    assert band["fill"] == "toself" and None not in band["x"]  # one run: one polygon
    assert len(band["x"]) == 24
    assert line["x"] == pytest.approx([round(3.28 + 0.02 * k, 2) for k in range(12)])
    assert line["y"] == pytest.approx([12.0] * 12, rel=0.05)
    assert line["marker"]["symbol"] == ["circle"] * 12
    assert all(up > 0 and down > 0 for up, down in zip(*_bars(line), strict=True))
    (shape,) = halving["layout"]["shapes"]
    assert (shape["x0"], shape["x1"], shape["yref"]) == (3.28, 3.28, "paper")
    assert "autorange" not in halving["layout"]["xaxis"]  # a loss: easier is already right
    first = line["customdata"][0]
    assert first[0] == "3.28 nats (threshold)" and first[3:6] == ["6", "6", "6"]
    text = page.read_text(encoding="utf-8")
    levels_table = text.split('<table class="levels stack">', 1)[1].split("</table>", 1)[0]
    assert levels_table.count("<tr>") == 1 + 12  # the header and one row per level
    assert 'href="../../methods/index.html#threshold"' in text
    curves = figures["curves-data"]
    assert len(curves["data"]) == 6  # one line per frontier entry
    assert curves["layout"]["xaxis"]["type"] == "log" and curves["layout"]["xaxis"]["dtick"] == 1
    assert curves["layout"]["shapes"][0]["y0"] == 3.28


def _bars(trace: dict[str, Any]) -> tuple[list[float], list[float]]:
    return trace["error_y"]["array"], trace["error_y"]["arrayminus"]


def test_synthetic_levels_without_interval_or_halving_time(synthetic_site: BuiltSite) -> None:
    """Synthetic (accuracy, three curves): the fit at 90.25 % has two points (no interval) and
    89-90 % an interval without upper end, all open circles without band or bar; 90.5 % rests
    on one entry and is not drawn; the axis runs from 94 %-like hard levels to easy ones."""
    figures = islands(synthetic_site.out / "benchmarks" / BENCHMARK_ID / "index.html")
    (line,) = figures["halving-data"]["data"]  # no band: no level has a finite interval
    assert line["x"] == [90.25, 90.0, 89.75, 89.5, 89.25, 89.0]
    assert line["marker"]["symbol"] == ["circle-open"] * 6
    assert _bars(line) == ([0.0] * 6, [0.0] * 6)
    assert line["customdata"][0][2] == "none (two points)"
    assert line["customdata"][1][2].endswith("–∞")
    assert figures["halving-data"]["layout"]["xaxis"]["autorange"] == "reversed"
    curves = figures["curves-data"]["data"]
    # the baseline's and the hostile entry's curves; the half net is off the frontier
    assert [c["meta"][1] for c in curves] == ["2014-09-10", "2018-01-15"]
    assert curves[1]["name"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert curves[1]["meta"][0] == curves[1]["name"]


def test_figures_match_algoeff_sensitivity(synthetic_site: BuiltSite, tmp_path: Path) -> None:
    """The chart's halving times are those of `algoeff sensitivity` at its default levels."""
    dataset = load_dataset(write_dataset(tmp_path / "ds"))
    (view,) = derive(dataset, [])
    result = sensitivity(view)
    expected = [
        f"{lv.trend.halving_months:.3g}"
        for lv in result.levels
        if lv.trend and lv.trend.halving_months and math.isfinite(lv.trend.halving_months)
    ]
    figures = islands(synthetic_site.out / "benchmarks" / BENCHMARK_ID / "index.html")
    assert [c[1] for c in figures["halving-data"]["data"][0]["customdata"]] == expected


def test_no_section_without_curves(tmp_path: Path) -> None:
    """A benchmark without a curve gets no threshold section (None, nothing computed)."""
    root = tmp_path / "ds"
    (root / "data").mkdir(parents=True)
    (root / "data" / "benchmarks.yaml").write_text(
        yaml.safe_dump({"benchmarks": [toy_dataset.BENCHMARK]}), encoding="utf-8"
    )
    (root / "analysis" / "toy-level").mkdir(parents=True)
    (root / "analysis" / "toy-level" / "base.yaml").write_text(
        yaml.safe_dump(toy_dataset.entry_dict("base"))
    )
    (view,) = derive(load_dataset(root), [])
    assert threshold_charts(view) is None
    out = build_site(root, tmp_path / "site").out
    assert list(islands(out / "benchmarks" / "toy-level" / "index.html")) == ["chart-data"]


def test_band_splits_at_levels_without_interval(tmp_path: Path) -> None:
    """Levels with an interval on both sides of one without make two polygons, split by a
    null; a lone level with an interval keeps its error bar but makes no polygon; an
    infinite halving time is left out of the line."""
    (view,) = derive(load_dataset(write_planted(tmp_path / "ds")), [])
    levels = list(sensitivity(view).levels)
    assert len(levels) == 12
    trend = levels[2].trend
    assert trend is not None
    levels[2] = dataclasses.replace(
        levels[2], trend=dataclasses.replace(trend, halving_months_high=math.inf)
    )
    levels[4] = dataclasses.replace(
        levels[4], trend=dataclasses.replace(trend, halving_months=math.inf)
    )
    levels[6] = dataclasses.replace(
        levels[6], trend=dataclasses.replace(trend, halving_months_low=None)
    )
    x, _ = curves_chart.band(levels)
    assert x.count(None) == 1  # runs 0-1 and 7-11; 3 and 5 alone (4 is not drawn)
    assert x[:5] == [3.28, 3.3, 3.3, 3.28, None]
    assert [curves_chart.charted(lv) for lv in levels].count(False) == 1
    assert [curves_chart.has_band(lv) for lv in levels].count(False) == 3


def test_value_window_spans_the_levels_and_the_best_value() -> None:
    """The metric's window: the levels with one grid span beyond each end, widened to the
    best value reached (by a twentieth of the span)."""
    bench = Benchmark.model_validate(PLANTED)
    assert curves_chart.value_window(bench, (3.28, 3.5), [3.3]) == [3.06, 3.72]
    assert curves_chart.value_window(bench, (3.28, 3.5), [3.0]) == pytest.approx([2.989, 3.72])
    # the points inside the window and each neighbour of one outside it
    points = ((1.0, 9.0), (2.0, 5.0), (4.0, 3.5), (8.0, 3.3))
    pts = tuple(CurvePoint(8.64e16 * f, v) for f, v in points)
    assert curves_chart.in_window(pts, [3.06, 3.72]) == pytest.approx([2.0, 4.0, 8.0])


# -- in a browser --------------------------------------------------------------------

Serve = Callable[[BuiltSite], str]


def _drawn(page: Any, chart: str) -> dict[str, Any]:
    page.wait_for_selector(f"#{chart} .scatterlayer .trace", state="attached", timeout=20_000)
    result: dict[str, Any] = page.evaluate(
        f"""() => {{ const gd = document.getElementById('{chart}');
        return {{traces: gd.data.length,
                 drawn: gd.querySelectorAll('.scatterlayer .trace').length,
                 shapes: gd.querySelectorAll('.shapelayer path').length,
                 xticks: [...gd.querySelectorAll('.xaxislayer-above .xtick text')]
                     .map(t => t.textContent)}}; }}"""
    )
    return result


def _hover(page: Any, chart: str, curve: int, point: int) -> str:
    page.evaluate(
        f"() => Plotly.Fx.hover('{chart}', [{{curveNumber: {curve}, pointNumber: {point}}}])"
    )
    label = page.locator(f"#{chart} .hoverlayer .hovertext").first
    label.wait_for(state="attached", timeout=5_000)
    text: str = label.text_content() or ""
    return text


@pytest.mark.browser
def test_threshold_charts_draw(
    synthetic_site: BuiltSite,
    planted: BuiltSite,
    watched: tuple[Any, Watch],
    serve: Serve,
) -> None:
    """Both charts draw every trace of their JSON and the threshold line; hovering names the
    level with its entry counts, and a curve's entry (the hostile name as text) and date; the
    curves' compute axis is labelled at decades only; nothing errs or runs."""
    page, watch = watched
    url = serve(planted)
    page.goto(f"{url}benchmarks/{PLANTED_ID}/index.html")
    halving = _drawn(page, "halving")
    assert halving["traces"] == halving["drawn"] == 2 and halving["shapes"] == 1
    label = _hover(page, "halving", 1, 0)
    assert "level 3.28 nats (threshold)" in label and "entries: 6 (6 from curves)" in label
    curves = _drawn(page, "curves")
    assert curves["traces"] == curves["drawn"] == 6 and curves["shapes"] == 1
    ticks = [t.replace("\u200b", "") for t in curves["xticks"]]
    assert len(ticks) >= 2
    assert all(re.fullmatch(r"1|10|10\u2212?\d+", t) for t in ticks), ticks
    url = serve(synthetic_site)
    page.goto(f"{url}benchmarks/{BENCHMARK_ID}/index.html")
    assert _drawn(page, "halving")["drawn"] == 1
    assert _drawn(page, "curves")["drawn"] == 2
    label = _hover(page, "curves", 1, 3)
    assert HOSTILE_NAME in label and "2018-01-15" in label
    page.wait_for_timeout(200)
    assert watch.dialogs == []
    assert watch.problems() == {}
