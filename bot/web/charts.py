"""Server-rendered SVG charts: no CDN, no build step, readable without JavaScript."""

from __future__ import annotations

from html import escape


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 560,
              height: int = 220) -> str:
    """Vertical bars with labels; an accessible <svg role="img"> with a title and a data table fallback."""
    if not items:
        return f'<p class="empty">No data yet for {escape(title.lower())}.</p>'
    pad_l, pad_b, pad_t = 8, 34, 18
    top = max(max(v for _, v in items), 0.0)
    bottom = min(min(v for _, v in items), 0.0)
    span = (top - bottom) or 1.0
    plot_h = height - pad_b - pad_t
    zero_y = pad_t + plot_h * (top / span)
    slot = (width - pad_l * 2) / len(items)
    bar_w = max(6.0, slot * 0.6)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" class="chart">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        h = plot_h * (abs(value) / span)
        x = pad_l + i * slot + (slot - bar_w) / 2
        y = zero_y - h if value >= 0 else zero_y
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" rx="2" class="bar">'
                     f"<title>{escape(label)}: {escape(_fmt(value))}{escape(unit)}</title></rect>")
        label_y = y - 4 if value >= 0 else y + h + 12
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{label_y:.1f}" class="val">{escape(_fmt(value))}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_b + 14:.1f}" class="lbl">{escape(label[:12])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel(stages: list[tuple[str, int, float | None]], width: int = 560) -> str:
    """Horizontal funnel bars: how many reached each stage, with the conversion from the previous one."""
    if not stages or not any(n for _, n, _ in stages):
        return '<p class="empty">No leads yet.</p>'
    row = 30
    height = row * len(stages) + 10
    top = max(n for _, n, _ in stages) or 1
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Conversion funnel" class="chart">',
             "<title>Conversion funnel</title>"]
    label_w = 120
    for i, (stage, n, rate) in enumerate(stages):
        w = (width - label_w - 90) * (n / top)
        y = 5 + i * row
        parts.append(f'<text x="0" y="{y + 18}" class="lbl-left">{escape(stage)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{row - 8}" rx="3" class="bar"/>')
        conv = "" if rate is None else f" ({rate * 100:.0f}%)"
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" class="val-left">{n}{escape(conv)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
