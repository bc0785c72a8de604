"""DeepLIFT as Captum computes it, without hooks, layer rule by layer rule, with checks.

:meth:`genodash.attribution_split.FirstLayerSplit.deeplift` hands each group of
sequences and their references to :class:`DeepLiftEngine`. It runs the model's local
layers and head once for inputs and references together, then propagates only the
inputs' multipliers back (see the class notes for the rules and where they follow
Captum's actual behaviour), and measures for every layer how much of the output change
its rule lost, so a failed completeness check can name the layers to blame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from genodash import deeplift_pool, fft_conv, max_head
from genodash.architectures import GlobalMaxPool

if TYPE_CHECKING:
    from genodash.attribution_split import FirstLayerSplit

#: Largest fraction of nonzero multipliers at a convolution's output for which DeepLIFT
#: propagates them by a sparse transposed convolution (:mod:`genodash.max_head`): on
#: oct4-mafk, where a global max pool leaves 2%, 8 ms instead of 22 ms per 1,000 pairs
#: (2 threads; 0.8 against 1.4 ms for a call of 80).
SPARSE_FRACTION = 0.05
#: DeepLIFT's threshold on ``|x - r|`` below which the plain gradient is used (Captum's).
DEEPLIFT_EPS = 1e-10
#: Element-wise non-linearities with a DeepLIFT rescale rule in Captum.
_RESCALE = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus)
#: Layers that are linear in eval mode (DeepLIFT propagates them as plain gradients).
_LINEAR = (nn.Conv1d, nn.Linear, nn.BatchNorm1d, nn.Flatten, nn.Dropout, nn.Identity)


def flatten_modules(modules: list[nn.Module]) -> list[nn.Module]:
    """Modules in order, nested ``nn.Sequential`` containers opened."""
    out: list[nn.Module] = []
    for module in modules:
        if isinstance(module, nn.Sequential):
            out += flatten_modules(list(module))
        else:
            out.append(module)
    return out


class DeepLiftEngine:
    """Captum's DeepLIFT (``captum.attr._core.deep_lift``) as it actually computes, without hooks.

    Captum runs inputs and references as one batch ``[x; r]`` and back-propagates
    both halves; the input half's multipliers never depend on the reference half for
    the layer patterns accepted by :func:`deeplift_supported`, so only that half is
    propagated here. With ``d = in_x - in_r`` at a layer's input:

    - element-wise non-linearity (rescale rule): ``g * (out_x - out_r) / d``, or its
      plain gradient where ``|d| < eps``;
    - a non-linearity followed directly by a max pool: Captum's hook on the shared
      tensor stores the pool's *plain* gradient (unpooled at each row's own argmax)
      before the pool's rule replaces it, so the rescale rule above uses that plain
      gradient; the pool's rule only reaches the ``|d| < eps`` positions, where it is
      the plain pool gradient of the call's first row (``grad_input[0]``): here the
      first reference's row of the same sequence, Captum's ``DeepLiftShap`` grouping;
    - linear layers: the plain gradient;
    - a global max pool (:class:`~genodash.architectures.GlobalMaxPool`, no rule and
      no hook in Captum): the plain gradient, autograd's ``amax`` backward, which
      splits each row's gradient evenly among that row's tied maxima (all positions of
      a channel that a ReLU zeroed everywhere).

    Completeness can fail with max pools because of this (as with Captum).
    """

    def __init__(self, split: FirstLayerSplit) -> None:
        self.split = split
        self.layers = list(split.rest) + flatten_modules(list(split.head))
        self.names = _layer_names(split, self.layers)
        #: layer index -> its kernel's spectrum, for wide convolutions run by FFT (:mod:`genodash.fft_conv`)
        self.spectra: dict[int, fft_conv.Spectrum] = {}

    def _spectrum(self, i: int, h: torch.Tensor) -> fft_conv.Spectrum | None:
        """Layer ``i``'s spectrum when it runs by FFT on ``h`` ``(R, C, L)``; else ``None``."""
        layer = self.layers[i]
        if h.device.type != "cpu" or h.shape[0] < fft_conv.MIN_ROWS or not fft_conv.supports(layer):
            return None
        spectrum = self.spectra.get(i)
        if spectrum is None or spectrum.length != h.shape[-1]:
            owner = self.split.rest_sources[i] if i < len(self.split.rest_sources) else None
            spectrum = self.spectra[i] = fft_conv.spectrum_for(layer, h.shape[-1], owner)
        return spectrum

    def run(
        self, X: torch.Tensor, refs: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(n, 4, L)`` inputs, ``(n, B, 4, L)`` references -> multipliers, f_x, f_refs, losses.

        DeepLIFT's multipliers ``m`` at any layer's input should conserve the output
        change: ``sum m * (in_x - in_r) = f(x) - f(r)``. Each layer's rule is checked
        on its own: ``losses[i, j]`` ``(n, len(layers))`` is the largest (over the
        references) ``|sum m_in * d_in - sum m_out * d_out|`` of layer ``j``. Summed
        with signs over the layers, these are exactly the completeness gap. Linear
        layers conserve it by construction (0, not computed).
        """
        n, B = refs.shape[:2]
        split = self.split
        # per layer (input, output, extra): the input (inputs, then references) or, where
        # only that is needed, its shape (a linear layer; extra: its FFT spectrum or None)
        # or length (a ReLU run with its pool; the pool's extra: a deeplift_pool.Forward)
        saved: list[tuple] = []
        with torch.no_grad():
            h = split.conv(torch.cat([X, refs.reshape(n * B, *X.shape[1:])]))
            for j, layer in enumerate(self.layers):
                if len(saved) > j:  # a ReLU's max pool, already run with it
                    continue
                following = self.layers[j + 1] if j + 1 < len(self.layers) else None
                if deeplift_pool.supported(layer, following, h):
                    # a ReLU and its max pool in one compiled pass (the same values)
                    length = h.shape[-1]
                    h, fused = deeplift_pool.forward(h, following, n, B)
                    saved += [(length, None, None), (None, None, fused)]
                    continue
                if isinstance(layer, nn.MaxPool1d):
                    # only the inputs' argmax is needed (and pooling with indices is
                    # several times slower than without)
                    out = layer(h)
                    _, idx = nn.functional.max_pool1d(
                        h[:n], layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                        ceil_mode=layer.ceil_mode, return_indices=True,
                    )  # fmt: skip
                    saved.append((h, None, idx))
                elif isinstance(layer, GlobalMaxPool):
                    out = layer(h)
                    saved.append((h, None, tied_maxima(h[:n], out[:n])))
                elif type(layer) in _RESCALE:
                    out = layer(h)
                    saved.append((h, out, None))
                else:  # linear: only its input's shape is needed
                    spectrum = self._spectrum(len(saved), h)
                    out = layer(h) if spectrum is None else spectrum.conv1d(h)
                    saved.append((h.shape, None, spectrum))
                h = out
            values = split.wrapper.select(h)[:, 0]
            f_x, f_refs = values[:n], values[n:].reshape(n, B)
            # gradient of the explained value with respect to the model's outputs
            with torch.enable_grad():
                leaf = torch.zeros((1, *h.shape[1:]), dtype=h.dtype, device=h.device, requires_grad=True)
                (top,) = torch.autograd.grad(split.wrapper.select(leaf)[:, 0].sum(), leaf)
            g = top.expand(n * B, *h.shape[1:])
            kept = _conserved(g, h, n, B)  # (n * B,): sum m * d at the current layer boundary
            losses = []
            i = len(self.layers) - 1
            while i >= 0:  # g: (n * B, ...) at layer i's output
                layer, (inp, out, idx) = self.layers[i], saved[i]
                if isinstance(layer, nn.MaxPool1d):  # and the rescale layer before it
                    act, (act_in, act_out, _) = self.layers[i - 1], saved[i - 1]
                    if isinstance(idx, deeplift_pool.Forward):
                        g, pool_below, below = deeplift_pool.backward(g, idx, layer, B, act_in, DEEPLIFT_EPS)
                    else:
                        g, pool_below, below = self._rescale_pool(act, act_in, act_out, layer, idx, g, n, B)
                    losses.append((pool_below - kept).abs().reshape(n, B).amax(dim=1))
                    losses.append((below - pool_below).abs().reshape(n, B).amax(dim=1))
                    kept, i = below, i - 2
                    continue
                if isinstance(layer, GlobalMaxPool):
                    g = self._global_max(g, *idx, B)
                elif type(layer) in _RESCALE:
                    shape = inp.shape[1:]
                    in_x, in_r = inp[:n, None], inp[n:].reshape(n, B, *shape)
                    out_x, out_r = out[:n, None], out[n:].reshape(n, B, *shape)
                    g = g.reshape(n, B, *shape)
                    g = self._rescale(layer, in_x, in_r, out_x, out_r, g, g).reshape(n * B, *shape)
                else:  # linear: conserves exactly (the bias cancels), nothing to check
                    g = self._linear(layer, inp, g, idx)
                    losses.append(torch.zeros(n, dtype=g.dtype, device=g.device))
                    i -= 1
                    continue
                below = _conserved(g, inp, n, B)
                losses.append((below - kept).abs().reshape(n, B).amax(dim=1))
                kept, i = below, i - 1
            M = split.conv_transpose(g)
        return M.reshape(n, B, *X.shape[1:]), f_x, f_refs, torch.stack(losses[::-1], dim=1)

    @staticmethod
    def _rescale(layer, in_x, in_r, out_x, out_r, g, reaching):
        """Rescale rule: multipliers at a non-linearity's input.

        Parameters
        ----------
        layer : torch.nn.Module
            The element-wise non-linearity.
        in_x, out_x : torch.Tensor
            ``(n, 1, ...)`` its input and output for the inputs.
        in_r, out_r : torch.Tensor
            ``(n, B, ...)`` the same for the references.
        g : torch.Tensor
            ``(n, B, ...)`` multipliers at its output.
        reaching : torch.Tensor
            ``(n, B or 1, ...)``: what the plain gradient is applied to where
            ``|in_x - in_r| < eps``.

        Returns
        -------
        torch.Tensor
            ``(n, B, ...)``.
        """
        delta_in = in_x - in_r
        if isinstance(layer, nn.ReLU):
            plain = reaching * (in_x > 0).to(g.dtype)
        else:
            with torch.enable_grad():
                leaf = in_x.expand_as(g).detach().requires_grad_(True)
                (plain,) = torch.autograd.grad(layer(leaf), leaf, reaching.expand_as(g))
        return torch.where(delta_in.abs() < DEEPLIFT_EPS, plain, g * (out_x - out_r) / delta_in)

    @classmethod
    def _rescale_pool(cls, act, inp, out, pool, idx, g, n, B):
        """A non-linearity ``act`` and the max pool after it, at the inputs' maxima only.

        The pool's plain gradient is zero except where each input row has its window
        maxima, so the rescale rule below it (which applies to that plain gradient,
        see the class notes; where ``|d| < eps``, to the first reference's row of it)
        is only computed there: on a ``k``-th of the positions.

        Parameters
        ----------
        act : torch.nn.Module
        inp, out : torch.Tensor
            ``(n + n * B, C, L)``: ``act``'s input and output, inputs first.
        pool : torch.nn.MaxPool1d
        idx : torch.Tensor
            ``(n, C, Lp)``: the inputs' window maxima (positions in ``L``).
        g : torch.Tensor
            ``(n * B, C, Lp)`` multipliers at the pool's output.
        n, B : int

        Returns
        -------
        g_in : torch.Tensor
            ``(n * B, C, L)`` multipliers at ``act``'s input.
        pool_below, act_below : torch.Tensor
            ``(n * B,)``: ``sum m * d`` at the pool's input and at ``act``'s input.
        """
        C, L = inp.shape[1:]
        Lp = idx.shape[-1]
        at = idx.repeat_interleave(B, dim=0)  # (n * B, C, Lp)

        def pick(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            """``(n + n * B, C, L)`` -> the inputs' ``(n, 1, C, Lp)`` and references' ``(n, B, C, Lp)``."""
            return t[:n].gather(-1, idx)[:, None], t[n:].gather(-1, at).reshape(n, B, C, Lp)

        (in_x, in_r), (out_x, out_r) = pick(inp), pick(out)
        g = g.reshape(n, B, C, Lp)
        pool_below = (g * (out_x - out_r)).sum(dim=(2, 3)).reshape(n * B)
        new = cls._rescale(act, in_x, in_r, out_x, out_r, g, g[:, :1])
        act_below = (new * (in_x - in_r)).sum(dim=(2, 3)).reshape(n * B)
        g_in = nn.functional.max_unpool1d(
            new.reshape(n * B, C, Lp), at, pool.kernel_size, pool.stride, pool.padding, [n * B, C, L]
        )
        return g_in, pool_below, act_below

    @staticmethod
    def _global_max(g, is_max, count, B):
        """Plain gradient of a global max pool, for ``B`` rows per input.

        Parameters
        ----------
        g : torch.Tensor
            ``(n * B, C)`` gradient at the pool's output.
        is_max, count : torch.Tensor
            ``(n, C, L)`` and ``(n, C, 1)`` from :func:`tied_maxima` on the inputs.
        B : int

        Returns
        -------
        torch.Tensor
            ``(n * B, C, L)``: ``g / count`` at each input's maxima, as autograd.
        """
        n = is_max.shape[0]
        per_input = g.reshape(n, B, *g.shape[1:], 1) / count[:, None]
        return (per_input * is_max[:, None]).reshape(n * B, *is_max.shape[1:])

    @staticmethod
    def _linear(layer, shape, g, spectrum=None):
        """Plain gradient of a linear layer; ``shape`` is its input's (any batch size).

        ``spectrum``: the layer's :class:`~genodash.fft_conv.Spectrum` when its forward
        ran by FFT (a wide convolution).
        """
        if isinstance(layer, nn.Conv1d):
            if int(g.count_nonzero()) <= SPARSE_FRACTION * g.numel():
                # e.g. the multipliers a global max pool passed back: a sparse transposed convolution
                return max_head.conv_input_grad(layer, g, shape[-1])
            if spectrum is not None:
                return spectrum.conv1d_input(g)
            return torch.nn.grad.conv1d_input(
                (g.shape[0], *shape[1:]), layer.weight, g, layer.stride, layer.padding, layer.dilation,
                layer.groups,
            )  # fmt: skip
        if isinstance(layer, nn.Linear):
            return g @ layer.weight
        if isinstance(layer, nn.BatchNorm1d):
            scale = layer.weight / torch.sqrt(layer.running_var + layer.eps)
            return g * (scale[:, None] if g.ndim == 3 else scale)
        if isinstance(layer, nn.Flatten):
            return g.reshape(g.shape[0], *shape[1:])
        return g  # Dropout, Identity (eval mode)


def tied_maxima(h: torch.Tensor, maxima: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Where ``h`` ``(n, C, L)`` reaches its maxima ``(n, C)``: a 0/1 mask and the count.

    Returns
    -------
    is_max : torch.Tensor
        ``(n, C, L)``, ``h``'s dtype.
    count : torch.Tensor
        ``(n, C, 1)``: tied maxima per row and channel (at least 1).
    """
    is_max = (h == maxima[..., None]).to(h.dtype)
    return is_max, is_max.sum(dim=-1, keepdim=True)


def _conserved(g: torch.Tensor, activations: torch.Tensor, n: int, B: int) -> torch.Tensor:
    """``sum m * (a_x - a_r)`` per pair ``(n * B,)``.

    ``g`` ``(n * B, ...)`` are the multipliers of each pair at a layer boundary and
    ``activations`` ``(n + n * B, ...)`` the activations there, inputs first.
    """
    F = activations[0].numel()
    delta = activations[:n].reshape(n, 1, F) - activations[n:].reshape(n, B, F)
    return torch.linalg.vecdot(g.reshape(n, B, F), delta).reshape(n * B)


def _layer_names(split: FirstLayerSplit, layers: list[nn.Module]) -> list[str]:
    """Readable names of ``layers`` (the split's layers after the first convolution).

    ``"pool1 (MaxPool1d)"`` from the model's own module names (a convolution with its
    batch norm folded in goes by the convolution's); a layer the model does not
    register (a head built on the fly) by its type.
    """
    names = {id(m): name for name, m in split.wrapper.model.named_modules() if name}
    originals = list(split.rest_sources) + flatten_modules(list(split.head))
    out = []
    for module, _ in zip(originals, layers, strict=True):
        kind = type(module).__name__
        out.append(f"{names[id(module)]} ({kind})" if id(module) in names else f"{kind} in the head")
    return out


def deeplift_supported(split: FirstLayerSplit) -> bool:
    """Whether :meth:`FirstLayerSplit.deeplift` reproduces Captum for this model.

    The model's layers, in order (batch norms unfolded), must be modules Captum knows:
    linear (``Conv1d``, ``Linear``, eval ``BatchNorm1d``, ``Flatten``, ``Dropout``,
    ``Identity``), an element-wise non-linearity with a rescale rule, a
    non-overlapping ``MaxPool1d`` directly after such a non-linearity, or a
    :class:`~genodash.architectures.GlobalMaxPool` (plain gradient, as in Captum); the
    head must be an ``nn.Sequential``; each module used once.
    """
    if not isinstance(split.head, nn.Sequential):
        return False
    inner = split.wrapper.model
    layers = flatten_modules(list(inner.ism_split()[0])) + flatten_modules(list(split.head))
    if len({id(m) for m in layers}) != len(layers):
        return False
    for i, layer in enumerate(layers):
        if type(layer) in _RESCALE or type(layer) in _LINEAR or type(layer) is GlobalMaxPool:
            continue
        if type(layer) is nn.MaxPool1d and i > 0 and type(layers[i - 1]) in _RESCALE:
            k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
            s = layer.stride if isinstance(layer.stride, int) else layer.stride[0]
            d = layer.dilation if isinstance(layer.dilation, int) else layer.dilation[0]
            if k == s and d == 1:
                continue
        return False
    return True


__all__ = [
    "DEEPLIFT_EPS",
    "SPARSE_FRACTION",
    "DeepLiftEngine",
    "deeplift_supported",
    "flatten_modules",
    "tied_maxima",
]
