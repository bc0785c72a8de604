import numpy as np
import pytest
import torch

from genodash.errors import InputError
from genodash.logos import _glyph_boxes, figure_bytes, heatmap_figure, logo_figure, logo_frame, shared_ylim


def test_frame_uses_real_coordinates():
    frame = logo_frame(torch.ones(4, 3), first_position=1001)
    assert list(frame.index) == [1001, 1002, 1003]
    assert list(frame.columns) == list("ACGT")
    with pytest.raises(InputError, match=r"must be \(4, L\)"):
        logo_frame(torch.ones(3, 4))


def test_stacking_positive_up_negative_down_smallest_nearest_axis():
    values = np.array([[2.0], [1.0], [-0.5], [-1.5]])
    bottoms, heights, _ = _glyph_boxes(values)
    assert bottoms[1, 0] == 0.0 and bottoms[0, 0] == 1.0  # C (1) under A (2)
    assert bottoms[2, 0] == 0.0 and bottoms[3, 0] == -0.5  # G (-0.5) next to the axis, T below it
    assert heights.tolist() == values.tolist()


@pytest.mark.parametrize("engine", ["fast", "logomaker"])
def test_png_and_svg(engine):
    fig = logo_figure(torch.randn(4, 20), first_position=50, highlight=(55, 55), title="t", engine=engine)
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((49.5, 69.5), abs=0.6)
    png = figure_bytes(fig, "png")
    assert png.startswith(b"\x89PNG")
    svg = figure_bytes(logo_figure(torch.randn(4, 20), engine=engine), "svg")
    assert b"<svg" in svg[:500]


def test_heatmap_and_bad_format():
    fig = heatmap_figure(torch.randn(4, 30), first_position=10)
    assert figure_bytes(fig, "png").startswith(b"\x89PNG")
    with pytest.raises(InputError, match="png or svg"):
        figure_bytes(fig, "gif")


def test_shared_ylim_fits_the_tallest_and_deepest_stacks_of_all():
    a = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, -0.2], [0.0, 0.0]])  # stacks: +1.5, -0.2
    b = np.array([[0.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [-0.5, 0.0]])  # stacks: -1.5, +2.0
    bottom, top = shared_ylim(a, b)
    pad = 0.05 * (2.0 + 1.5)
    assert bottom == pytest.approx(-1.5 - pad) and top == pytest.approx(2.0 + pad)
    assert shared_ylim(torch.zeros(4, 3)) == pytest.approx((0.0, 0.0), abs=1e-9)
