"""The browser tab's icon, drawn here so that no font or image is fetched from the internet."""

from __future__ import annotations

from PIL import Image, ImageDraw

from genodash.logos import COLOURS


def page_icon(size: int = 64) -> Image.Image:
    """Four bars in the logos' A, C, G, T colours, of rising height: a tiny sequence logo.

    Parameters
    ----------
    size : int
        Width and height in pixels.

    Returns
    -------
    PIL.Image.Image
        ``(size, size)`` RGBA, transparent background.
    """
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    width = size // 4
    for i, base in enumerate("ACGT"):
        height = size * (i + 2) // 5
        draw.rectangle((i * width + 1, size - height, (i + 1) * width - 2, size - 1), fill=COLOURS[base])
    return icon
