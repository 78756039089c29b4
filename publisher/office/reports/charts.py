"""Report charts: static SVG drawn by matplotlib (no GUI backend, no pyplot), for inline embedding.

No JavaScript, no CDN: the chart is drawn here and shipped as markup. Text is drawn as paths
with a CJK font when one is installed (fonts-noto-cjk), so the chart looks the same in every
browser; without one the labels stay real <text> and the reader's browser picks a font.
Element ids are prefixed per chart, so several charts can share one HTML page.
"""

from __future__ import annotations

import io
import re
import warnings
from functools import cache

from channels.registry import channel_class
from publisher.office.reports.quarterly import QuarterlyReport

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "Noto Sans CJK JP")  # fmt: skip
OTHER_COLOURS = ("#6a1b9a", "#ef6c00", "#00838f", "#5d4037")


@cache
def cjk_family() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _figure(rows: int):
    # A bare Figure, not pyplot: no global figure registry, no GUI backend, nothing to close
    # (matplotlib's advice for servers). Saving to SVG uses the SVG backend directly.
    from matplotlib.figure import Figure

    return Figure(figsize=(8, 0.45 * max(rows, 3) + 1.4))


def _rc():
    import matplotlib

    return matplotlib.rc_context(_style())


def _style() -> dict:
    family = cjk_family()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "svg.fonttype": "path" if family else "none",
        "svg.hashsalt": "publisher-report",  # stable ids: the same data gives the same bytes
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _svg(figure, prefix: str) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Without a CJK font the labels are measured with a Latin one: expected, not news.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML declaration and DOCTYPE
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)  # RDF boilerplate
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'(href=")#([^"]+)"', rf'\1#{prefix}-\2"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return text.replace("<svg ", '<svg role="img" ', 1)


def adoption_chart(report: QuarterlyReport) -> str:
    """Stacked bars: adopted items per department and channel, in ranking order."""
    rows = report.rows
    with _rc():
        figure = _figure(len(rows))
        axes = figure.subplots()
        names = [r.department for r in rows][::-1]
        left = [0] * len(names)
        for index, channel in enumerate(report.channels):
            counts = [r.by_channel.get(channel, 0) for r in rows][::-1]
            cls = channel_class(channel)
            colour = cls.colour if cls is not None else OTHER_COLOURS[index % len(OTHER_COLOURS)]
            axes.barh(names, counts, left=left, color=colour, label=report.channel_titles[channel])
            left = [a + b for a, b in zip(left, counts, strict=True)]
        axes.set_xlabel("采用条数（按渠道）")
        axes.set_title(f"{report.quarter.label}各单位稿件采用情况")
        axes.xaxis.get_major_locator().set_params(integer=True)
        if report.channels:
            axes.legend(loc="lower right", frameon=False)
        return _svg(figure, "adoption")


def score_chart(report: QuarterlyReport) -> str:
    """Bars of each department's score, with the tier thresholds as dashed lines."""
    rows = report.rows
    with _rc():
        figure = _figure(len(rows))
        axes = figure.subplots()
        names = [r.department for r in rows][::-1]
        scores = [r.score for r in rows][::-1]
        bars = axes.barh(names, scores, color="#b71c1c")
        axes.bar_label(bars, labels=[f"{s:g}" for s in scores], padding=3)
        for minimum, label in report.tiers:
            axes.axvline(minimum, color="#555555", linestyle="--", linewidth=0.8)
            axes.annotate(label, (minimum, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                          textcoords="offset points", fontsize=8, ha="center", va="bottom")  # fmt: skip
        axes.set_xlabel("积分")
        axes.set_title(f"{report.quarter.label}各单位积分与档次", pad=16 if report.tiers else 6)
        return _svg(figure, "score")


def reach_chart(report: QuarterlyReport) -> str:
    """Grouped bars of reads and shares per department."""
    rows = report.rows
    with _rc():
        figure = _figure(len(rows))
        axes = figure.subplots()
        names = [r.department for r in rows][::-1]
        positions = list(range(len(names)))
        reads = [r.reach.reads for r in rows][::-1]
        shares = [r.reach.shares for r in rows][::-1]
        axes.barh([p + 0.2 for p in positions], reads, height=0.4, color="#1565c0", label="阅读量")
        axes.barh([p - 0.2 for p in positions], shares, height=0.4, color="#ef6c00", label="转发量")
        axes.set_yticks(positions, names)
        axes.set_title(f"{report.quarter.label}各单位传播数据")
        axes.legend(loc="lower right", frameon=False)
        return _svg(figure, "reach")


def report_charts(report: QuarterlyReport) -> dict[str, str]:
    """Every chart of the report as inline SVG markup, by name (empty when there is no data)."""
    if not report.rows:
        return {}
    return {
        "adoption": adoption_chart(report),
        "score": score_chart(report),
        "reach": reach_chart(report),
    }
