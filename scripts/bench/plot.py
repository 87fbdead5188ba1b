"""A line plot written as SVG by hand (Python standard library only): axes, ticks, grid, labels, a legend, one line
per series, each point its median with a whisker from the fastest to the slowest run.

    write_plot(path, title, subtitle, x_label, y_label, series)
    series: [{"label": str, "color": "#rrggbb", "dash": "" or "6 4", "points": [(x, y, low, high), ...]}]
"""
import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 470
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 66, 62


def nice_step(span, ticks=6):
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals over `span`."""
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def tick_label(value, step):
    if step >= 1:
        return f"{value:,.0f}"
    decimals = max(0, -math.floor(math.log10(step)) + (1 if step * 10 ** -math.floor(math.log10(step)) == 2.5 else 0))
    return f"{value:,.{decimals}f}"


def write_plot(path, title, subtitle, x_label, y_label, series):
    xs = [p[0] for s in series for p in s["points"]]
    ys = [v for s in series for p in s["points"] for v in (p[1], p[3] if p[3] is not None else p[1])]
    x_step = nice_step(max(xs) or 1)
    y_step = nice_step(max(ys) or 1)
    x_max = math.ceil(max(xs) / x_step) * x_step
    y_max = math.ceil(max(ys) * 1.04 / y_step) * y_step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + x / x_max * plot_w

    def py(y):
        return TOP + plot_h - y / y_max * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">{escape(title)}</text>',
           f'<text x="{WIDTH / 2}" y="44" text-anchor="middle" font-size="11" fill="#555555">{escape(subtitle)}</text>']
    # Grid and ticks.
    value = 0.0
    while value <= y_max + y_step / 1000:
        y = py(value)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<line x1="{LEFT - 5}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" stroke="#333333"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{tick_label(value, y_step)}</text>')
        value += y_step
    value = 0.0
    while value <= x_max + x_step / 1000:
        x = px(value)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#f0f0f0"/>')
        out.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 5}" stroke="#333333"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 19}" text-anchor="middle">{tick_label(value, x_step)}</text>')
        value += x_step
    # Axes and their labels.
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333333"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 16}" text-anchor="middle" font-size="13">{escape(x_label)}</text>')
    out.append(f'<text transform="translate(20 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle" '
               f'font-size="13">{escape(y_label)}</text>')
    # Series: whiskers, line, markers; the first series (the bare baseline) drawn last, on top.
    for index, s in reversed(list(enumerate(series))):
        points = sorted(s["points"])
        shift = (index - (len(series) - 1) / 2) * 5  # whiskers of one x side by side, not on top of each other
        for x, y, low, high in points:
            if low is not None and high is not None:
                wx = px(x) + shift
                out.append(f'<g stroke="{s["color"]}" stroke-width="1.2">'
                           f'<line x1="{wx:.1f}" y1="{py(low):.1f}" x2="{wx:.1f}" y2="{py(high):.1f}"/>'
                           f'<line x1="{wx - 3:.1f}" y1="{py(low):.1f}" x2="{wx + 3:.1f}" y2="{py(low):.1f}"/>'
                           f'<line x1="{wx - 3:.1f}" y1="{py(high):.1f}" x2="{wx + 3:.1f}" y2="{py(high):.1f}"/></g>')
        coordinates = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y, _, _ in points)
        dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
        out.append(f'<polyline points="{coordinates}" fill="none" stroke="{s["color"]}" stroke-width="2.2"{dash}/>')
        for x, y, _, _ in points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.6" fill="{s["color"]}"/>')
    # Legend: in the first place inside the plot area (its corners, then half-way down either side) that no line,
    # marker or whisker crosses, else in the least crossed one.
    note = "points: median; whiskers: fastest to slowest run"
    line_h = 20
    box_w = max(max(len(s["label"]) for s in series) * 7.2 + 52, len(note) * 6.2 + 24)
    box_h = line_h * len(series) + 30
    drawn = []
    for s in series:
        points = sorted(s["points"])
        for (x1, y1, lo, hi), (x2, y2, _, _) in zip(points, points[1:] + points[-1:]):
            for t in range(0, 41):
                drawn.append((px(x1 + (x2 - x1) * t / 40), py(y1 + (y2 - y1) * t / 40)))
            if lo is not None and hi is not None:
                drawn += [(px(x1), py(lo + (hi - lo) * t / 10)) for t in range(11)]  # whiskers, give or take 5 px
    corners = [(LEFT + 12, TOP + 10), (LEFT + plot_w - 12 - box_w, TOP + 10),
               (LEFT + plot_w - 12 - box_w, TOP + plot_h - 10 - box_h), (LEFT + 12, TOP + plot_h - 10 - box_h),
               (LEFT + 12, TOP + (plot_h - box_h) / 2), (LEFT + plot_w - 12 - box_w, TOP + (plot_h - box_h) / 2)]

    def crossings(corner):
        bx, by = corner
        return sum(1 for x, y in drawn if bx - 6 <= x <= bx + box_w + 6 and by - 6 <= y <= by + box_h + 6)
    bx, by = min(corners, key=crossings)  # the first free corner, else the least crossed
    out.append(f'<rect x="{bx:.0f}" y="{by:.0f}" width="{box_w:.0f}" height="{box_h}" '
               f'fill="#ffffff" fill-opacity="0.92" stroke="#bbbbbb"/>')
    for i, s in enumerate(series):
        y = by + 18 + i * line_h
        dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
        out.append(f'<line x1="{bx + 10:.0f}" y1="{y:.0f}" x2="{bx + 38:.0f}" y2="{y:.0f}" stroke="{s["color"]}" '
                   f'stroke-width="2.2"{dash}/>')
        out.append(f'<circle cx="{bx + 24:.0f}" cy="{y:.0f}" r="3.6" fill="{s["color"]}"/>')
        out.append(f'<text x="{bx + 46:.0f}" y="{y + 4:.0f}">{escape(s["label"])}</text>')
    y = by + 18 + len(series) * line_h
    out.append(f'<text x="{bx + 10:.0f}" y="{y + 4:.0f}" font-size="10.5" fill="#555555">{note}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
