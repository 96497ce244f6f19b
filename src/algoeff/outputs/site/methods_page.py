"""methods/index.html: how every number on the site is computed, one anchor per question.

Every headline number (compute, reduction factor, halving time and its interval,
Moore's law, error bars, tier) links to its section here. The text is fixed, not
from entries; the repository links go to the built commit (citation.BuildInfo).
"""

from __future__ import annotations

from algoeff.outputs.site.citation import BuildInfo, cite_block
from algoeff.outputs.site.templates import esc, ext_link, page

BASE = "../"


def methods_page(info: BuildInfo) -> str:
    trends = ext_link(info.repo_url + "docs/trends.md", "docs/trends.md")
    sensitivity = ext_link(
        info.repo_url + "docs/trends.md#how-the-answer-depends-on-the-threshold",
        "docs/trends.md, how the answer depends on the threshold",
    )
    changelog = ext_link(info.repo_url + "CHANGELOG.md#data-versions", "CHANGELOG.md")
    body = f"""<h1>Methods</h1>
<p class="lead">How every number on this site is computed. The code that computes them is
<code>algoeff</code>; the same numbers come out of <code>algoeff trend</code> and
<code>algoeff show</code>. This is dataset version {esc(info.version)}.</p>
<nav aria-label="On this page"><ul class="toc">
<li><a href="#benchmarks">What a benchmark is</a></li>
<li><a href="#entries">What counts as an entry</a></li>
<li><a href="#convention">Counting convention: one multiply-add = 2 FLOP</a></li>
<li><a href="#error-bars">Ranges and error bars</a></li>
<li><a href="#reduction">Reduction factor</a></li>
<li><a href="#frontier">Frontier</a></li>
<li><a href="#halving">Halving time and its 95 % interval</a></li>
<li><a href="#two-points">Why some halving times have no interval</a></li>
<li><a href="#threshold">How the halving time depends on the threshold</a></li>
<li><a href="#moore">Moore's law</a></li>
<li><a href="#tiers">Verification tiers</a></li>
<li><a href="#versions">Versions, licence and citing</a></li>
</ul></nav>

<section id="benchmarks"><h2>What a benchmark is</h2>
<p class="prose">A benchmark fixes one level of performance on one test set: a metric, a
threshold and a direction (for example 79.1 % top-5 accuracy on the ImageNet validation set,
the level of AlexNet), and a rule for the training data (ImageNet-1k only, no extra data).
Its baseline is the first model that reached the level. The question each benchmark answers is
how much training compute it takes to reach that fixed level, and how fast that falls.</p>
</section>

<section id="entries"><h2>What counts as an entry</h2>
<p class="prose">An entry is one published model that reached the benchmark's level under its
training-data rule, with an analysis: the publication, the result and where the source states
it, and the training compute to reach the level, written as a formula over named inputs (epochs,
forward cost per example, tokens, GPU-hours ...) each with its unit, range and source. The
compute is recomputed from those inputs on every build; a figure a source published is kept
beside it and compared, never copied in its place. A model that did not reach the level, or
used training data the rule excludes, is not an entry.</p>
</section>

<section id="convention"><h2>Counting convention: one multiply-add = 2 FLOP</h2>
<p class="prose">Compute is in FLOP with one multiply-add counted as 2 FLOP (as "AI and
Compute", Kaplan et al. 2020 and model-FLOP-utilization figures count), shown in tfs-days:
1 tfs-day = 10¹² FLOP/s for one day = 8.64 × 10¹⁶ FLOP. Older vision papers and counters such as
THOP report "FLOPs" that are multiply-adds, and the original tracker ("Measuring the Algorithmic
Efficiency of Neural Networks", Hernandez &amp; Brown 2020) counted its ImageNet figures that
way. Here such a figure is doubled: every ImageNet compute is 2× the original tracker's (its
AlexNet's 3.1 tfs-days is 6.2 here). Reduction factors within a benchmark do not change from
the convention, since all its entries double alike; the translation figures were real FLOP and
are unchanged.</p>
<p class="prose">Recomputing from the inputs also changes some ratios. At the ResNet-50 level
the original tracker typed a 10× reduction for EfficientNet-b1; recomputed from the two
models' forward costs and epochs it is 7.4×. The downloadable CSV keeps the original's Compute
column in the original's convention (named per row) and gives the canonical FLOP in its own
columns.</p>
</section>

<section id="error-bars"><h2>Ranges and error bars</h2>
<p class="prose">Every input may carry a low and a high end (a warm-up epoch counted or not,
the utilization a GPU-time estimate assumes, where in the run the level was reached). The
compute's range is the formula evaluated with every input at its low end and at its high end;
the methods are monotone in each input, so these are exact bounds of what the stated inputs
allow. The error bars on the charts and the ranges in the tables are this range: not a
statistical confidence interval, and an entry without a range is not thereby exact (its
sources gave no bounds).</p>
</section>

<section id="reduction"><h2>Reduction factor</h2>
<p class="prose">An entry's reduction factor is the baseline's compute divided by the entry's:
44× means the entry reached the same level with 1/44 of the baseline's compute. Its range pairs
the baseline's low end with the entry's high end and the other way round.</p>
</section>

<section id="frontier"><h2>Frontier</h2>
<p class="prose">The frontier is the state of the art over time: the entries that reached the
level with less compute than every entry published before them, from the baseline on. On the
charts it is a step line: a new best holds until a later entry needs less.</p>
</section>

<section id="halving"><h2>Halving time and its 95 % interval</h2>
<p class="prose">An ordinary least-squares line is fitted to the frontier: log2 of compute
against the publication date in decimal years. Its slope is in doublings per year (negative
as compute falls) and the halving time is −12 / slope months. The 95 % interval combines two
uncertainties: the regression's own (Student's t with n − 2 degrees of freedom) and the
inputs' ranges, propagated by a seeded Monte Carlo (10,000 draws: each frontier point drawn
from a triangular distribution over its range in log space, the line refitted, a slope drawn
from that fit's t distribution; the 2.5th and 97.5th percentiles). Where the interval's upper
end reaches a slope of zero it is ∞: the data cannot rule out that compute did not fall. The
full account, with tests and a comparison with published estimates: {trends}.</p>
</section>

<section id="two-points"><h2>Why some halving times have no interval</h2>
<p class="prose">Two points fit a line exactly and leave no residual degrees of freedom, so
there is no scatter from which to estimate how uncertain the slope is. The halving time is
given (it is the two points' own rate) and marked "none (two points)" instead of an
interval; read it as one comparison, not a trend.</p>
</section>

<section id="threshold"><h2>How the halving time depends on the threshold</h2>
<p class="prose">Each benchmark fixes one level, and its halving time answers for that level
only. An entry with a learning curve (its metric at each evaluation against training compute)
also says what compute its run needed to reach every level its curve passes: the compute at
which the curve first reaches a level, interpolated linearly in the metric against log
compute between the two evaluations around it, with the entry's relative range carried over.
An entry without a curve counts only at the official threshold. At each level of a grid around
the threshold the frontier is found and fitted as above, with the same draws and seed; a
benchmark page whose entries carry curves charts the halving time against the level, with
the number of entries each level rests on, and the frontier's curves. Limits: the records
were tuned for, and selected at, the official level, so a run built to stop there is not the
cheapest run to an easier level (at easier levels the curves give an upper bound on the
compute), and a method that would reach only an easier level is not in the data; each curve
is one run, even where a record states a mean over several; evaluations some steps apart
leave the crossing to the interpolation. The same numbers: <code>algoeff sensitivity
BENCHMARK</code>; the full account: {sensitivity}.</p>
</section>

<section id="moore"><h2>Moore's law</h2>
<p class="prose">The comparison of Hernandez &amp; Brown (2020): compute per dollar doubling
every 2 years, so over the years from the baseline to an entry the same budget buys
2^(years / 2) times the compute. On each benchmark's chart the dashed line is the baseline's
compute divided by that factor: where a frontier lies below it, algorithms gained more than
hardware would have over the same years.</p>
</section>

<section id="tiers"><h2>Verification tiers</h2>
<p class="prose">Each entry's tier says how its compute was verified, derived from its method
and inputs, never typed:</p>
<ul>
<li><strong>reported</strong>: a figure taken as published;</li>
<li><strong>estimated</strong>: recomputed from published inputs;</li>
<li><strong>counted</strong>: an input counted by algoeff on a model definition (forward cost
counted on the network itself);</li>
<li><strong>measured</strong>: from the run's own logs.</li>
</ul>
<p>Each benchmark's tables can be filtered by tier.</p>
</section>

<section id="versions"><h2>Versions, licence and citing</h2>
<p class="prose">The dataset has a semantic version: a new entry or benchmark is a minor
version, a corrected figure a patch. Each version and the entries it added or changed are
listed in {changelog} under "Data versions". Every page gives the version, the commit the site
was built from and that commit's date in its "Cite this" block; links to analysis files point at
that commit. The data are licensed under CC BY 4.0, the code under MIT. New entries appear in
the <a href="../feed.xml">Atom feed</a>.</p>
</section>
"""
    return page(
        title="Methods · algoeff",
        base=BASE,
        body=body,
        trail=[("index.html", "Home"), (None, "Methods")],
        footer=cite_block(info, BASE),
    )
