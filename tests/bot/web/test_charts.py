import re

from bot.web.charts import bar_chart, funnel


def _rects(svg):
    return [tuple(float(v) for v in m) for m in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg)]


def test_bars_scale_to_the_largest_value_and_escape_labels():
    svg = bar_chart([("<b>Jan</b>", 10.0), ("Feb", 5.0)], title="Paid & due")
    (_, y1, h1), (_, y2, h2) = _rects(svg)
    assert abs(h1 - 2 * h2) < 0.2 and y1 < y2
    assert "<b>Jan" not in svg and "&lt;b&gt;Jan" in svg and 'aria-label="Paid &amp; due"' in svg


def test_negative_values_hang_below_the_zero_line():
    svg = bar_chart([("Oct", 40.0), ("Nov", -20.0)], title="NPS")
    (_, y_pos, h_pos), (_, y_neg, h_neg) = _rects(svg)
    assert abs(h_pos - 2 * h_neg) < 0.2
    assert abs((y_pos + h_pos) - y_neg) < 0.2  # both start at the zero line


def test_empty_data_says_so():
    assert "No data yet" in bar_chart([], title="Revenue")
    assert "No leads yet" in funnel([])
