"""Exact shortcuts for gradient attributions of models that begin with a convolution.

The first layer of the CNNs in :mod:`genodash.architectures` is a convolution of the
one-hot input (with its batch norm folded in, still linear), ``z = W * x + b``. That
makes three things cheaper, with the same results up to float32 rounding:

- Along an integrated-gradients path ``x_a = r + a (x - r)`` the first layer's output
  is ``z_a = (W * r + b) + a W * (x - r)``: two convolutions per reference instead of
  one per step.
- The input gradient is linear in the first layer's output gradient ``g``:
  ``sum_a w_a W^T g_a = W^T (sum_a w_a g_a)``, so the backward stops at ``z`` and the
  transposed convolution runs once per sequence and reference.
- DeepLIFT's rescale rule on a linear layer is plain linear propagation, so the same
  holds for its multipliers. The rules for the other layers are applied here exactly as
  Captum applies them (:class:`~genodash.deeplift_engine.DeepLiftEngine`), but the input's activations are
  computed once per sequence instead of once per reference, and only the input half
  is propagated back (Captum also back-propagates the reference half, which carries the
  same multipliers).

Where the local layers allow it, a ``ReLU`` followed by a ``MaxPool1d`` is computed as
pool then ReLU for gradients (the same values and the same gradients, on a third of
the data), and along integrated-gradients paths a large second convolution after
them is updated only where a pooled value changes state (:mod:`genodash.path_conv`).
Models whose head is a global max pool after that second convolution (oct4-mafk's)
run the whole path from the first pool to the global maximum in compiled loops
(:mod:`genodash.max_path`), and gradients and DeepLIFT multipliers through such a
head go back through the convolution sparsely (:mod:`genodash.max_head`). DeepLIFT
runs each ReLU with the max pool after it in compiled loops
(:mod:`genodash.deeplift_pool`) and wide convolutions after the first by FFT
(:mod:`genodash.fft_conv`), both on the CPU. The first convolution itself runs as
matrix products (:mod:`genodash.unfolded_conv`) where oneDNN is slow.
An architecture opts in through the ``ism_split()`` it provides for fast ISM
(:mod:`genodash.ism`); models without one keep the plain Captum path. Nothing here
registers hooks or changes the model: folded layers are private copies.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from genodash import deeplift_pool, max_head, max_path, path_conv
from genodash.architectures import GlobalMaxPool
from genodash.deeplift_engine import DeepLiftEngine
from genodash.ism import _fold_batchnorm_sources
from genodash.targets import TargetOutput
from genodash.unfolded_conv import unfolded_conv1d, unfolded_conv_transpose1d

#: First-layer values (rows x channels x length) per integrated-gradients backward
#: pass: 25 path points of a Basset-sized 1 kb input, or whole paths of many pairs of
#: short inputs. Pooled values instead where the second convolution runs by sparse
#: updates (:mod:`genodash.path_conv`): one whole Basset-sized path.
ELEMENTS_PER_CALL = 7_500_000
#: First-layer values (pairs x channels x length) per DeepLIFT call: four sequences
#: and their 10 references on the Basset-sized model's 300 x 1000, about 900 pairs of
#: oct4-mafk's 64 x 200. Measured on DeepLiftShap with 10 shuffles (ReLU and pool in
#: compiled loops, Basset's wide convolutions by FFT), interleaved medians of 5 on 2
#: cores: Basset 0.62 / 0.52 / 0.50 / 0.58 s at 10 / 20 / 40 / 80 pairs per call
#: (the thin matrix products of the FFT route gain from more rows); oct4-mafk flat,
#: 0.18-0.23 s from 40 to 600.
DEEPLIFT_ELEMENTS_PER_CALL = 12_000_000


def _swap_relu_pool(layers: list[nn.Module]) -> list[nn.Module]:
    """``ReLU, MaxPool1d`` -> ``MaxPool1d, ReLU``: same values and gradients, less data.

    ``max(relu(z)) = relu(max(z))``; the pool's first maximum is the same element
    whenever it is positive, and the gradient is zero otherwise in both orders.
    """
    out = list(layers)
    for i in range(len(out) - 1):
        if type(out[i]) is nn.ReLU and type(out[i + 1]) is nn.MaxPool1d:
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


class FirstLayerSplit:
    """A wrapped model seen as ``select(rest(W * x + b))``.

    Parameters
    ----------
    wrapper : TargetOutput
        The model and the output to explain.
    first : torch.nn.Conv1d
        The first convolution, batch norm folded in (a private copy).
    rest : list of torch.nn.Module
        The local layers after it, batch norms folded (eval mode).
    head : callable
        The rest of the model, from the last local layer's output to ``(N, T)`` or
        ``(N, T, L_out)``.
    rest_sources : list of torch.nn.Module, optional
        The model's own module behind each of ``rest`` (a folded convolution's is the
        original convolution): for naming layers. Default: ``rest``.
    """

    def __init__(
        self,
        wrapper: TargetOutput,
        first: nn.Conv1d,
        rest: list[nn.Module],
        head: Callable,
        rest_sources: list[nn.Module] | None = None,
    ):
        self.wrapper, self.first, self.rest, self.head = wrapper, first, rest, head
        self.rest_sources = rest if rest_sources is None else rest_sources
        self.weight = first.weight.detach()
        self.bias = first.bias.detach() if first.bias is not None else None
        self.padding, self.dilation = first.padding[0], first.dilation[0]
        self.grad_rest = _swap_relu_pool(rest)
        #: integrated gradients by :mod:`genodash.max_path` (on the CPU)
        self.max_path = max_path.supports(self.grad_rest, head)

    # --- the pieces ---

    def conv(self, x: torch.Tensor, bias: bool = True) -> torch.Tensor:
        """``(R, 4, L)`` -> first-layer output ``(R, C, L1)``."""
        b = self.bias if bias else None
        if x.device.type == "cpu":
            return unfolded_conv1d(x, self.weight, b, self.padding, self.dilation)
        return nn.functional.conv1d(x, self.weight, b, padding=self.padding, dilation=self.dilation)

    def conv_transpose(self, g: torch.Tensor) -> torch.Tensor:
        """First-layer output gradient ``(R, C, L1)`` -> input gradient ``(R, 4, L)``."""
        C, L1 = g.shape[1:]
        if g.device.type == "cpu" and (C >= 128 or L1 >= 600):
            return unfolded_conv_transpose1d(g, self.weight, self.padding, self.dilation)
        return nn.functional.conv_transpose1d(g, self.weight, padding=self.padding, dilation=self.dilation)

    def output(self, z: torch.Tensor, for_gradient: bool = False) -> torch.Tensor:
        """First-layer output ``(R, C, L1)`` -> explained value ``(R,)``."""
        for layer in self.grad_rest if for_gradient else self.rest:
            z = layer(z)
        return self.wrapper.select(self.head(z))[:, 0]

    def _grad(self, z: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Gradient of the explained value at first-layer outputs ``(R, C, L1)``, times ``weights``."""
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            out = self.output(z, for_gradient=True)
            seed = torch.ones_like(out) if weights is None else weights.to(out.dtype)
            (grad,) = torch.autograd.grad(out, z, seed)
        return grad

    def _accumulate(
        self,
        base: torch.Tensor,
        delta: torch.Tensor | None,
        alphas: torch.Tensor,
        weights: torch.Tensor,
        total: torch.Tensor,
    ) -> None:
        """Add ``sum_s weights[s] * dF/dz`` at ``z = base + alphas[s] * delta`` to ``total``.

        Parameters
        ----------
        base : torch.Tensor
            ``(P, C, L1)``: first-layer outputs of ``P`` references.
        delta : torch.Tensor or None
            ``(P, C, L1)``: first-layer outputs (no bias) of the inputs minus the
            references; ``None``: the points are ``base`` itself (one step).
        alphas, weights : torch.Tensor
            ``(S,)`` path points and their weights (``S = 1`` without ``delta``).
        total : torch.Tensor
            ``(P, C, L1)``, added to in place.

        Notes
        -----
        When the first layer after ``z`` is a non-overlapping max pool (after the
        ReLU/pool swap), the path points are never built: each pooled value and its
        first maximum come from the ``k`` window offsets in turn (as ``max_pool1d``,
        the first maximum wins ties), and the pool's backward is a scatter-add
        straight into ``total``.
        """
        P, S = base.shape[0], alphas.shape[0]
        C, L1 = total.shape[1:]
        a = alphas[:, None, None]
        seeds = weights.repeat(P)

        def points(z: torch.Tensor, d: torch.Tensor | None) -> torch.Tensor:
            """``(P, ...)`` -> the path points ``(P, S, ...)``."""
            return z[:, None] if d is None else torch.addcmul(z[:, None], a, d[:, None])

        pool = self.grad_rest[0] if self.grad_rest else None
        if not (type(pool) is nn.MaxPool1d and deeplift_pool.non_overlapping(pool)):
            with torch.no_grad():
                z = points(base, delta).flatten(0, 1)
            total += self._grad(z, seeds).reshape(P, S, C, L1).sum(dim=1)
            return
        k = self._pool_size()
        Lp = L1 // k

        def by_offset(z: torch.Tensor | None) -> torch.Tensor | None:
            """``(P, C, L1)`` -> ``(P, k, C, Lp)``: window offset ``j`` of every window.

            Contiguous when ``S`` path points are made from each (a copy is cheaper
            than ``S`` strided reads), a view otherwise.
            """
            if z is None:
                return None
            windows = z[..., : Lp * k].unflatten(-1, (Lp, k)).movedim(-1, 1)
            return windows if delta is None else windows.contiguous()

        if delta is not None and self.max_path and base.device.type == "cpu" and base.dtype == torch.float32:
            # the second convolution, its ReLU and the global max pool step by step, compiled
            with torch.no_grad():
                conv = next(m for m in self.grad_rest if type(m) is nn.Conv1d)
                path = max_path.MaxPath(by_offset(base), by_offset(delta), alphas, conv)
            path.backward(self._head_grad(path.pooled, seeds), total)
            return
        conv_at = self._path_conv_index(L1) if delta is not None else None
        if conv_at is not None and bool((alphas[1:] >= alphas[:-1]).all()):
            # the next convolution by sparse updates along the path; no pooled values needed
            with torch.no_grad():
                base_w, delta_w = by_offset(base), by_offset(delta)
                path = path_conv.SparsePathConv(base_w, delta_w, alphas, self.grad_rest[conv_at])
            grad = self._grad_after(path.z, conv_at + 1, seeds)
            with torch.no_grad():
                path.backward(grad, total)
            return
        with torch.no_grad():
            base_w, delta_w = by_offset(base), by_offset(delta)
            window = (slice(None), 0)
            pooled = points(base_w[window], None if delta is None else delta_w[window])  # (P, S, C, Lp)
            # (uint8 arithmetic: several times faster here than where/masked_fill)
            first = torch.zeros(
                pooled.shape, dtype=torch.uint8 if k < 256 else torch.int64, device=pooled.device
            )
            for j in range(1, k):
                window = (slice(None), j)
                value = points(base_w[window], None if delta is None else delta_w[window])
                later = value > pooled  # strictly: an earlier maximum wins a tie
                first += later * (j - first)  # j where later, else unchanged (first < j)
                pooled = torch.maximum(pooled, value)
        grad = self._grad_after(pooled.flatten(0, 1), 1, seeds)
        with torch.no_grad():
            # where each pooled value came from in a row of ``total`` (P, C * L1)
            offsets = torch.arange(0, C * L1, L1, device=base.device)[:, None]
            index = first.to(torch.int64).add_(offsets + torch.arange(0, Lp * k, k, device=base.device))
            total.view(P, -1).scatter_add_(1, index.view(P, -1), grad.reshape(P, -1))

    def _grad_after(self, h: torch.Tensor, start: int, seeds: torch.Tensor) -> torch.Tensor:
        """Gradient of the explained values, times ``seeds``, at ``h``: the input of ``grad_rest[start]``."""
        tail = self._max_head(start)
        if tail is not None:
            return self._grad_through_max(h, *tail, seeds)
        with torch.enable_grad():
            leaf = h.detach().requires_grad_(True)
            h = leaf
            for layer in self.grad_rest[start:]:
                h = layer(h)
            out = self.wrapper.select(self.head(h))[:, 0]
            (grad,) = torch.autograd.grad(out, leaf, seeds.to(out.dtype))
        return grad

    def _max_head(self, start: int) -> tuple[bool, nn.Conv1d, bool] | None:
        """``(relu_in, conv, relu)`` when ``grad_rest[start:]`` is ``[ReLU] Conv1d [ReLU]``.

        ``None`` unless the head is an ``nn.Sequential`` that starts with a
        :class:`~genodash.architectures.GlobalMaxPool` (eval-mode ``Dropout`` and
        ``Identity`` layers are skipped).
        """
        head = self.head
        if not (isinstance(head, nn.Sequential) and len(head) and type(head[0]) is GlobalMaxPool):
            return None
        layers = [m for m in self.grad_rest[start:] if type(m) not in (nn.Dropout, nn.Identity)]
        conv_at = next((i for i, m in enumerate(layers) if type(m) is nn.Conv1d), None)
        if conv_at is None:
            return None
        before, conv, after = layers[:conv_at], layers[conv_at], layers[conv_at + 1 :]
        if not max_head.supported(conv) or len(before) > 1 or len(after) > 1:
            return None
        if any(type(m) is not nn.ReLU for m in before + after):
            return None
        return bool(before), conv, bool(after)

    def _grad_through_max(
        self, h: torch.Tensor, relu_in: bool, conv: nn.Conv1d, relu: bool, seeds: torch.Tensor
    ) -> torch.Tensor:
        """:meth:`_grad_after` through ``[ReLU] conv [ReLU]`` and a global max pool, sparsely.

        See :mod:`genodash.max_head`; the head after the pool runs in autograd.
        """
        with torch.no_grad():
            z = conv(h.clamp_min(0) if relu_in else h)
            pooled = (z.clamp_min(0) if relu else z).amax(dim=-1)
        grad = self._head_grad(pooled, seeds)
        with torch.no_grad():
            dz = max_head.max_pool_grad(z, relu, grad)
            g = max_head.conv_input_grad(conv, dz, h.shape[-1])
            return g * (h > 0) if relu_in else g

    def _head_grad(self, pooled: torch.Tensor, seeds: torch.Tensor) -> torch.Tensor:
        """Gradient of the explained values, times ``seeds``, at the global max pool's output ``(R, F)``."""
        with torch.enable_grad():
            leaf = pooled.detach().requires_grad_(True)
            out = self.wrapper.select(self.head[1:](leaf))[:, 0]
            (grad,) = torch.autograd.grad(out, leaf, seeds.to(out.dtype))
        return grad

    def _conv_after_pool(self) -> int | None:
        """Where a convolution follows ``MaxPool1d, ReLU`` (and eval-mode no-ops) in ``grad_rest``.

        ``None`` unless the pool is non-overlapping and
        :class:`~genodash.path_conv.SparsePathConv` can run the convolution.
        """
        layers = self.grad_rest
        if len(layers) < 3 or type(layers[0]) is not nn.MaxPool1d or type(layers[1]) is not nn.ReLU:
            return None
        if not deeplift_pool.non_overlapping(layers[0]):
            return None
        i = 2
        while i < len(layers) and type(layers[i]) in (nn.Dropout, nn.Identity):
            i += 1
        if i == len(layers) or not path_conv.supports(layers[i], self._pool_size()):
            return None
        return i

    def _path_conv_index(self, L1: int) -> int | None:
        """:meth:`_conv_after_pool`, where the sparse path also pays off for first-layer length ``L1``."""
        i = self._conv_after_pool()
        if i is None or not path_conv.pays_off(self.grad_rest[i], L1 // self._pool_size()):
            return None
        return i

    def _pool_size(self) -> int:
        """Window of the max pool that starts ``grad_rest`` (when it does)."""
        size = self.grad_rest[0].kernel_size
        return size if isinstance(size, int) else size[0]

    # --- methods ---

    def gradients(self, points: torch.Tensor, rows_per_call: int | None = None) -> torch.Tensor:
        """Input gradients ``(R, 4, L)`` of the explained value at ``points`` ``(R, 4, L)``.

        ``rows_per_call``: by default about :data:`ELEMENTS_PER_CALL` first-layer values
        per backward pass (all 100 oct4-mafk peaks in one).
        """
        if rows_per_call is None:
            C, _, K = self.weight.shape
            L1 = points.shape[-1] + 2 * self.padding - self.dilation * (K - 1)
            rows_per_call = max(1, ELEMENTS_PER_CALL // (C * max(L1, 1)))
        out = []
        one = torch.ones(1, device=points.device)
        for i in range(0, points.shape[0], rows_per_call):
            with torch.no_grad():
                z = self.conv(points[i : i + rows_per_call])
            total = torch.zeros_like(z)
            self._accumulate(z, None, one, one, total)
            out.append(self.conv_transpose(total))
        return torch.cat(out)

    def integrated_gradients(
        self,
        X: torch.Tensor,
        refs: torch.Tensor,
        n_steps: int,
        rows_per_call: int | None = None,
        method: str = "gausslegendre",
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Integrated-gradient multipliers, as Captum's ``multiply_by_inputs=False``.

        Parameters
        ----------
        X : torch.Tensor
            ``(N, 4, L)``.
        refs : torch.Tensor
            ``(N, B, 4, L)`` references.
        n_steps : int
        rows_per_call : int, optional
            Path points per backward pass. By default about
            :data:`ELEMENTS_PER_CALL` first-layer values: a fraction of one (sequence,
            reference) path for long inputs, the whole paths of many pairs for short
            ones (per-call overhead then dominates).
        method : str
            Captum's approximation method.

        Returns
        -------
        M : torch.Tensor
            ``(N, B, 4, L)``: ``sum_s w_s grad f(r + a_s (x - r))``.
        f_x : torch.Tensor
            ``(N,)`` explained value of each input.
        f_refs : torch.Tensor
            ``(N, B)`` explained value of each reference.
        """
        from captum.attr._utils.approximation_methods import approximation_parameters

        step_func, alpha_func = approximation_parameters(method)
        dev = X.device
        weights = torch.tensor(step_func(n_steps), dtype=torch.float32, device=dev)
        alphas = torch.tensor(alpha_func(n_steps), dtype=torch.float32, device=dev)
        N, B = refs.shape[:2]
        flat_refs = refs.reshape(N * B, *X.shape[1:])
        with torch.no_grad():
            base = self.conv(flat_refs)  # (P, C, L1)
            delta = self.conv(X.repeat_interleave(B, dim=0) - flat_refs, bias=False)
            if (flat_refs == flat_refs[:1]).all():  # one reference for all (zeros, uniform): one pass
                f_refs = self.output(base[:1]).repeat(N * B).reshape(N, B)
            else:
                f_refs = self.output(base).reshape(N, B)
            f_x = self.output(self.conv(X))
        total = torch.zeros_like(base)  # (P, C, L1): sum_s w_s dF/dz at each step
        if rows_per_call is None:
            per_point = base[0].numel()
            sparse = self.max_path or self._path_conv_index(base.shape[-1]) is not None
            if sparse:  # only pooled values (or less) are kept per point
                per_point //= self._pool_size()
            rows_per_call = max(1, ELEMENTS_PER_CALL // per_point)
        pairs_per_call = rows_per_call // n_steps
        if pairs_per_call >= 2:  # whole paths of several pairs per call
            for p0 in range(0, N * B, pairs_per_call):
                p1 = min(p0 + pairs_per_call, N * B)
                self._accumulate(base[p0:p1], delta[p0:p1], alphas, weights, total[p0:p1])
        else:  # a part of one path per call
            for p in range(N * B):
                for s0 in range(0, n_steps, rows_per_call):
                    s1 = min(s0 + rows_per_call, n_steps)
                    part = slice(p, p + 1)
                    self._accumulate(base[part], delta[part], alphas[s0:s1], weights[s0:s1], total[part])
        M = self.conv_transpose(total)
        return M.reshape(N, B, *X.shape[1:]), f_x, f_refs

    def deeplift(
        self, X: torch.Tensor, refs: torch.Tensor, pairs_per_call: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """DeepLIFT multipliers, as Captum's ``DeepLift(multiply_by_inputs=False)``.

        Each sequence with its ``B`` references is one Captum call
        (``DeepLiftShap``'s grouping).

        Parameters
        ----------
        X : torch.Tensor
            ``(N, 4, L)``.
        refs : torch.Tensor
            ``(N, B, 4, L)``.
        pairs_per_call : int, optional
            Roughly how many (sequence, reference) pairs are processed together; whole
            sequences at a time. By default about :data:`DEEPLIFT_ELEMENTS_PER_CALL`
            first-layer values.

        Returns
        -------
        M : torch.Tensor
            ``(N, B, 4, L)`` multipliers.
        f_x, f_refs : torch.Tensor
            ``(N,)`` and ``(N, B)`` explained values.
        losses : dict of str to torch.Tensor
            Layer name -> ``(N,)``: how much of ``f(x) - f(r)`` the layer's rule lost
            (largest over the references; see :meth:`~genodash.deeplift_engine.DeepLiftEngine.run`).
        """
        N, B = refs.shape[:2]
        if pairs_per_call is None:
            C, _, K = self.weight.shape
            L1 = X.shape[-1] + 2 * self.padding - self.dilation * (K - 1)
            pairs_per_call = DEEPLIFT_ELEMENTS_PER_CALL // (C * L1)
        per_call = max(1, pairs_per_call // B)
        engine = DeepLiftEngine(self)
        Ms, fxs, frs, losses = [], [], [], []
        for i in range(0, N, per_call):
            M, fx, fr, lost = engine.run(X[i : i + per_call], refs[i : i + per_call])
            Ms.append(M)
            fxs.append(fx)
            frs.append(fr)
            losses.append(lost)
        lost = torch.cat(losses)
        return torch.cat(Ms), torch.cat(fxs), torch.cat(frs), dict(zip(engine.names, lost.T, strict=True))


def _eval_only(modules: list[nn.Module]) -> bool:
    return not any(m.training for module in modules for m in module.modules())


def first_layer_split(wrapper: nn.Module) -> FirstLayerSplit | None:
    """The split of a wrapped model, or ``None`` when it has none (use the plain path).

    Parameters
    ----------
    wrapper : torch.nn.Module
        A :class:`~genodash.targets.TargetOutput` around a model that offers
        ``ism_split() -> (local_layers, head)`` whose first local layer is a stride-1,
        zero-padded ``Conv1d`` of the 4 input channels. In eval mode.

    Returns
    -------
    FirstLayerSplit or None
    """
    if not isinstance(wrapper, TargetOutput):
        return None
    inner = wrapper.model
    split = getattr(inner, "ism_split", None)
    if split is None or inner.training:
        return None
    layers, head = split()
    head_modules = list(head.children()) if isinstance(head, nn.Module) else []
    if not layers or not _eval_only(layers) or not _eval_only(head_modules):
        return None
    conv = layers[0]
    ok = (
        type(conv) is nn.Conv1d
        and conv.in_channels == 4
        and conv.stride == (1,)
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and isinstance(conv.padding, tuple)
    )
    if not ok:
        return None
    with torch.no_grad():
        folded = _fold_batchnorm_sources(list(layers))
    modules = [module for module, _ in folded]
    return FirstLayerSplit(wrapper, modules[0], modules[1:], head, [source for _, source in folded[1:]])


__all__ = ["DEEPLIFT_ELEMENTS_PER_CALL", "ELEMENTS_PER_CALL", "FirstLayerSplit", "first_layer_split"]
