"""The SpliceAI replicas stacked along the channel axis: one pass runs the whole ensemble.

Replica ``m`` owns channels ``32 m .. 32 m + 31`` of every hidden tensor, so every
gather, crop and element-wise step is done once for all replicas. The dilated
convolutions run either as one grouped convolution (``fold=True``, ``groups=5``) or one
per replica. The layers are exposed one by one for :mod:`genodash.spliceai.incremental`,
which recomputes only what a variant changes.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from genodash.spliceai.model import CHANNELS, FLANK, UNITS_PER_STAGE, SpliceAIEnsemble


def _stack(tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.detach() for t in tensors]).clone()


def _batchnorm_affine(layers: list[nn.BatchNorm1d]) -> tuple[torch.Tensor, torch.Tensor]:
    """Inference BatchNorm as ``x * scale + shift``, shapes ``(1, C, 1)``."""
    scale = torch.cat([bn.weight / torch.sqrt(bn.running_var + bn.eps) for bn in layers])
    shift = torch.cat([bn.bias for bn in layers]) - torch.cat([bn.running_mean for bn in layers]) * scale
    return scale.detach()[None, :, None].clone(), shift.detach()[None, :, None].clone()


class StackedSpliceAI(nn.Module):
    """An ensemble of SpliceAI-10k replicas as one grouped network.

    Parameters
    ----------
    ensemble : SpliceAIEnsemble
        Its weights are copied; it is not modified.
    fold : bool, optional
        Run the dilated convolutions of all replicas as one grouped convolution
        (fewer, larger kernels: good on CUDA) instead of one convolution per replica
        (faster with oneDNN on CPUs, where grouped convolutions are slower). The
        results agree to float rounding either way.

    Notes
    -----
    Hidden tensors are ``(B, R * 32, L)`` for ``R`` replicas. Every layer is unpadded,
    so a residual unit shortens its input by ``crop[u]`` on each side.
    """

    def __init__(self, ensemble: SpliceAIEnsemble, fold: bool = False) -> None:
        super().__init__()
        replicas = list(ensemble.replicas)
        self.fold = fold
        self.n_replicas = len(replicas)
        self.channels = CHANNELS * self.n_replicas
        self.n_tasks = replicas[0].head.out_channels
        self.register_buffer("w_in", _stack([r.conv_in.weight for r in replicas]))
        self.register_buffer("b_in", _stack([r.conv_in.bias for r in replicas]))
        self.register_buffer("w_skip_in", _stack([r.skip_in.weight for r in replicas]))
        self.register_buffer("b_skip_in", _stack([r.skip_in.bias for r in replicas]))
        self.crops: list[int] = []
        self.dilations: list[int] = []
        for u in range(len(replicas[0].units)):
            units = [r.units[u] for r in replicas]
            self.crops.append(units[0].crop)
            self.dilations.append(units[0].conv_a.dilation[0])
            scale_a, shift_a = _batchnorm_affine([x.bn_a for x in units])
            scale_b, shift_b = _batchnorm_affine([x.bn_b for x in units])
            for name, value in (
                ("scale_a", scale_a),
                ("shift_a", shift_a),
                ("w_a", _stack([x.conv_a.weight for x in units])),
                ("b_a", _stack([x.conv_a.bias for x in units])),
                ("scale_b", scale_b),
                ("shift_b", shift_b),
                ("w_b", _stack([x.conv_b.weight for x in units])),
                ("b_b", _stack([x.conv_b.bias for x in units])),
            ):
                self.register_buffer(f"u{u}_{name}", value)
        for s in range(len(replicas[0].skips)):
            self.register_buffer(f"w_skip{s}", _stack([r.skips[s].weight for r in replicas]))
            self.register_buffer(f"b_skip{s}", _stack([r.skips[s].bias for r in replicas]))
        self.register_buffer("w_head", _stack([r.head.weight for r in replicas]))
        self.register_buffer("b_head", _stack([r.head.bias for r in replicas]))

    @property
    def n_units(self) -> int:
        """Residual units (16)."""
        return len(self.crops)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Input convolution: one-hot ``(B, 4, L)`` to ``(B, R * 32, L)``."""
        return functional.conv1d(x, self.w_in, self.b_in)

    def skip_in(self, h: torch.Tensor) -> torch.Tensor:
        """The skip sum's first term, from the embedded input; same shape as ``h``."""
        return functional.conv1d(h, self.w_skip_in, self.b_skip_in, groups=self.n_replicas)

    def unit(self, u: int, h: torch.Tensor) -> torch.Tensor:
        """Residual unit ``u``: ``(B, C, L)`` to ``(B, C, L - 2 * crops[u])``."""
        p = {name: getattr(self, f"u{u}_{name}") for name in ("scale_a", "shift_a", "w_a", "b_a")}
        q = {name: getattr(self, f"u{u}_{name}") for name in ("scale_b", "shift_b", "w_b", "b_b")}
        crop = self.crops[u]
        r = self._conv(torch.relu(torch.addcmul(p["shift_a"], h, p["scale_a"])), p["w_a"], p["b_a"], u)
        r = self._conv(torch.relu(torch.addcmul(q["shift_b"], r, q["scale_b"])), q["w_b"], q["b_b"], u)
        return r.add_(h[..., crop : h.shape[-1] - crop])

    def _conv(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, u: int) -> torch.Tensor:
        """Dilated convolution of unit ``u`` for all replicas: ``(B, C, L)`` to ``(B, C, L - crop)``."""
        d = self.dilations[u]
        if self.fold:
            return functional.conv1d(x, weight, bias, dilation=d, groups=self.n_replicas)
        step = CHANNELS
        return torch.cat(
            [
                functional.conv1d(x[:, i : i + step], weight[i : i + step], bias[i : i + step], dilation=d)
                for i in range(0, self.channels, step)
            ],
            dim=1,
        )

    def is_stage_end(self, u: int) -> bool:
        """Whether a skip convolution follows residual unit ``u``."""
        return u % UNITS_PER_STAGE == UNITS_PER_STAGE - 1

    def skip(self, u: int, h: torch.Tensor) -> torch.Tensor:
        """The skip convolution after residual unit ``u`` (a stage end); same shape as ``h``."""
        s = u // UNITS_PER_STAGE
        return functional.conv1d(
            h, getattr(self, f"w_skip{s}"), getattr(self, f"b_skip{s}"), groups=self.n_replicas
        )

    def head(self, s: torch.Tensor) -> torch.Tensor:
        """Skip sum ``(B, C, L)`` to per-replica probabilities ``(B, R, T, L)``."""
        y = functional.conv1d(s, self.w_head, self.b_head, groups=self.n_replicas)
        return torch.softmax(y.view(y.shape[0], self.n_replicas, self.n_tasks, y.shape[-1]), dim=2)

    def mean(self, per_replica: torch.Tensor) -> torch.Tensor:
        """``(B, R, T, L)`` to ``(B, T, L)``: replicas summed in order, then divided, as numpy's mean."""
        total = per_replica[:, 0]
        for m in range(1, self.n_replicas):
            total = total + per_replica[:, m]
        return total / self.n_replicas

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, 4, L)`` to the ensemble mean ``(B, T, L - 10000)``."""
        h = self.embed(x)
        s = self.skip_in(h)
        cropped = 0
        for u in range(self.n_units):
            h = self.unit(u, h)
            cropped += self.crops[u]
            if self.is_stage_end(u):
                s = s[..., cropped : s.shape[-1] - cropped] + self.skip(u, h)
                cropped = 0
        assert s.shape[-1] == x.shape[-1] - 2 * FLANK
        return self.mean(self.head(s))
