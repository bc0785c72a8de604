"""SpliceAI-10k in PyTorch: one replica, and the five-replica ensemble.

The graph follows ``../shared/reference/spliceai/architecture.md`` (Jaganathan et al.,
Cell 2019; ``spliceai==1.3.1``): a 1x1 input convolution, 16 pre-activation residual
units in four stages of dilated convolutions, a skip sum fed by a 1x1 convolution after
every stage, a centre crop of 5,000 positions per side and a softmax head.

Convolutions here are unpadded ("valid"): the receptive field (10,001 nt) equals the
crop, so the cropped outputs are the same as with Keras' ``'same'`` padding, and no work
is spent on positions that are cropped away.
"""

from __future__ import annotations

import torch
from torch import nn

#: (kernel width, dilation) of the four stages, four residual units each.
STAGES = ((11, 1), (11, 4), (21, 10), (41, 25))
UNITS_PER_STAGE = 4
CHANNELS = 32
#: Nucleotides of context each output position sees on either side.
FLANK = 5000
#: Input length that gives exactly one output position.
CONTEXT = 2 * FLANK + 1
TASKS = ("neither", "acceptor", "donor")


class ResidualUnit(nn.Module):
    """``h + conv_b(relu(bn_b(conv_a(relu(bn_a(h))))))``, unpadded.

    Parameters
    ----------
    width : int
        Kernel width ``W`` (odd).
    dilation : int
        Dilation ``d``; the unit crops ``d * (W - 1)`` positions from each side.
    channels : int, optional
    """

    def __init__(self, width: int, dilation: int, channels: int = CHANNELS) -> None:
        super().__init__()
        self.bn_a = nn.BatchNorm1d(channels, eps=1e-3)
        self.conv_a = nn.Conv1d(channels, channels, width, dilation=dilation)
        self.bn_b = nn.BatchNorm1d(channels, eps=1e-3)
        self.conv_b = nn.Conv1d(channels, channels, width, dilation=dilation)
        self.crop = dilation * (width - 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Map ``(N, C, L)`` to ``(N, C, L - 2 * crop)``."""
        r = self.conv_a(torch.relu(self.bn_a(h)))
        r = self.conv_b(torch.relu(self.bn_b(r)))
        return h[..., self.crop : h.shape[-1] - self.crop] + r


class SpliceAI10k(nn.Module):
    """One SpliceAI-10k network.

    Parameters
    ----------
    n_tasks : int, optional
        Output classes; 3 for the published models (neither, acceptor, donor).

    Notes
    -----
    Input ``(N, 4, L)`` one-hot in ``A, C, G, T`` order with ``L >= 10001``; output
    ``(N, n_tasks, L - 10000)`` softmax probabilities over the task axis. Output ``i``
    is the prediction for input position ``i + 5000``.
    """

    def __init__(self, n_tasks: int = 3) -> None:
        super().__init__()
        self.conv_in = nn.Conv1d(4, CHANNELS, 1)
        self.skip_in = nn.Conv1d(CHANNELS, CHANNELS, 1)
        self.units = nn.ModuleList(
            ResidualUnit(width, dilation) for width, dilation in STAGES for _ in range(UNITS_PER_STAGE)
        )
        self.skips = nn.ModuleList(nn.Conv1d(CHANNELS, CHANNELS, 1) for _ in STAGES)
        self.head = nn.Conv1d(CHANNELS, n_tasks, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` to ``(N, n_tasks, L - 10000)`` probabilities."""
        if x.shape[-1] < CONTEXT:
            raise ValueError(f"SpliceAI needs at least {CONTEXT} nt of input, got {x.shape[-1]}")
        h = self.conv_in(x)
        s = self.skip_in(h)
        cropped = 0
        for index, unit in enumerate(self.units):
            h = unit(h)
            cropped += unit.crop
            if index % UNITS_PER_STAGE == UNITS_PER_STAGE - 1:
                s = s[..., cropped : s.shape[-1] - cropped] + self.skips[index // UNITS_PER_STAGE](h)
                cropped = 0
        return torch.softmax(self.head(s), dim=1)


class SpliceAIEnsemble(nn.Module):
    """The mean of several SpliceAI-10k replicas' softmax outputs.

    Parameters
    ----------
    n_tasks : int, optional
    replicas : int, optional
        The published ensemble has 5; each is reachable as ``self.replicas[i]``.

    Notes
    -----
    Input ``(N, 4, L)``, ``L >= 10001``; output ``(N, n_tasks, L - 10000)``, output
    ``i`` for input position ``i + 5000``. The mean is taken as the original does
    (``numpy.mean`` over float32): replicas summed in order, then divided by their number.
    """

    def __init__(self, n_tasks: int = 3, replicas: int = 5) -> None:
        super().__init__()
        if replicas < 1:
            raise ValueError(f"replicas must be at least 1, got {replicas}")
        self.replicas = nn.ModuleList(SpliceAI10k(n_tasks) for _ in range(replicas))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` to ``(N, n_tasks, L - 10000)`` mean probabilities."""
        total = self.replicas[0](x)
        for replica in self.replicas[1:]:
            total = total + replica(x)
        return total / len(self.replicas)
