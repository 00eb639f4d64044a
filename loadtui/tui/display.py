"""How numbers read on screen: short, fixed width, units a performance engineer expects."""

from __future__ import annotations

BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def duration(seconds: float) -> str:
    """45s, 5.7m, 2.0h: three or four characters for a session length."""
    if seconds < 0 or seconds != seconds:
        return "–"
    if seconds < 100:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        minutes = seconds / 60
        return f"{minutes:.0f}m" if minutes >= 10 else f"{minutes:.1f}m"
    return f"{seconds / 3600:.1f}h"


def percent(fraction: float, digits: int = 0) -> str:
    return f"{fraction * 100:.{digits}f}%"


def rate(value: float) -> str:
    """Requests per second: 1,480 for big numbers, 42.0 and 4.2 for small ones."""
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def fine_rate(value: float) -> str:
    """Session arrivals per second, often far below one: 0.028, 1.90, 19.0, 1,480."""
    if value < 0.1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    return rate(value)


def data_size(count: float) -> str:
    """Bytes in k6's units (decimal, like go-humanize): 512 B, 1.2 kB, 120 kB, 3.4 GB."""
    size = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 999.5 or unit == "TB":  # 999.7 kB would print as "1000 kB"
            break
        size /= 1000
    if unit == "B":
        return f"{size:.0f} B"
    return f"{size:.1f} {unit}" if abs(size) < 10 else f"{size:.0f} {unit}"


def millis(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms"


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar in eighths of a cell, `width` cells at fraction 1."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (BAR_EIGHTHS[part] if part else "")
    return text.ljust(width)
