"""In-silico saturation mutagenesis (ISM), fast where the model allows it.

Every one of the ``3L`` single-base substitutions of each sequence is scored; identity
substitutions are skipped. For models whose first layers are local (convolutions,
batch norm, point-wise activations, pooling with stride equal to its width), only the
window of each layer that a substitution can change is recomputed (the fastISM idea,
Nair et al. 2022), then the rest of the model runs on the spliced activations. An
architecture opts in by providing ``ism_split() -> (local_layers, head)``. The plan
for a model and input length is prepared once and reused. Other models get plain,
batched full-model ISM with the same results.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from genodash.errors import check
from genodash.predict import Progress
from genodash.targets import TargetOutput

#: Input values (rows x 4 x L) per full-model pass when a model has no windowed path.
FULL_PASS_ELEMENTS = 4_000_000
_POINTWISE = (
    nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.GELU, nn.SiLU,
    nn.BatchNorm1d, nn.Dropout, nn.Identity,
)  # fmt: skip


@dataclass(frozen=True)
class _Step:
    """Geometry of one local layer for a fixed input length."""

    module: nn.Module
    kind: str  # "conv", "pool" or "pointwise"
    length_in: int
    length_out: int
    width_in: int  # width of the changed window at the layer's input
    width_out: int
    reach: int = 0  # conv: dilation * (kernel - 1)
    padding: int = 0
    stride: int = 1  # pool width


def _classify(module: nn.Module) -> str:
    if isinstance(module, nn.Conv1d):
        pad = module.padding
        ok = (
            module.stride == (1,)
            and isinstance(pad, tuple)
            and module.padding_mode == "zeros"
            and module.groups == 1
        )
        check(ok, f"fast ISM needs stride-1, zero-padded convolutions; {module} is not")
        return "conv"
    if isinstance(module, nn.MaxPool1d | nn.AvgPool1d):
        k = module.kernel_size if isinstance(module.kernel_size, int) else module.kernel_size[0]
        s = module.stride if isinstance(module.stride, int) else module.stride[0]
        p = module.padding if isinstance(module.padding, int) else module.padding[0]
        check(
            k == s and p == 0 and not module.ceil_mode,
            f"fast ISM needs pools of stride = width; got {module}",
        )
        return "pool"
    if isinstance(module, _POINTWISE) or getattr(module, "pointwise", False):
        return "pointwise"
    raise ValueError(f"fast ISM cannot window layer {type(module).__name__}")


def _fold_batchnorm(layers: list[nn.Module]) -> list[nn.Module]:
    """Fold each eval-mode BatchNorm1d into the convolution before it; drop Dropout/Identity.

    The result computes the same function with fewer window operations.
    """
    return [module for module, _ in _fold_batchnorm_sources(layers)]


def _fold_batchnorm_sources(layers: list[nn.Module]) -> list[tuple[nn.Module, nn.Module]]:
    """:func:`_fold_batchnorm`, each kept layer with the original it stands for.

    A convolution with a batch norm folded in is a new module; its source is the
    original convolution. Other layers are their own source.
    """
    folded: list[tuple[nn.Module, nn.Module]] = []
    for module in layers:
        if isinstance(module, nn.Dropout | nn.Identity):
            continue
        previous, source = folded[-1] if folded else (None, None)
        if (
            isinstance(module, nn.BatchNorm1d)
            and isinstance(previous, nn.Conv1d)
            and module.running_mean is not None
            and not module.training
        ):
            scale = module.weight / torch.sqrt(module.running_var + module.eps)
            conv = copy.deepcopy(previous)
            bias = previous.bias if previous.bias is not None else torch.zeros_like(module.running_mean)
            conv.weight = nn.Parameter(previous.weight * scale[:, None, None], requires_grad=False)
            conv.bias = nn.Parameter((bias - module.running_mean) * scale + module.bias, requires_grad=False)
            folded[-1] = (conv, source)
            continue
        folded.append((module, module))
    return folded


def _window(padded: torch.Tensor, starts: torch.Tensor, width: int) -> torch.Tensor:
    """``(B, C, width)`` slices of a padded ``(C, L)`` activation at ``starts`` (padded coordinates)."""
    return padded.unfold(1, width, 1).index_select(1, starts).permute(1, 0, 2)


def _plan(layers: list[nn.Module], length: int) -> list[_Step]:
    steps, width = [], 1
    for module in layers:
        kind = _classify(module)
        if kind == "conv":
            reach = module.dilation[0] * (module.kernel_size[0] - 1)
            pad = module.padding[0]
            out_len = length + 2 * pad - reach
            steps.append(_Step(module, kind, length, out_len, width, width + reach, reach, pad))
            width += reach
        elif kind == "pool":
            s = module.stride if isinstance(module.stride, int) else module.stride[0]
            out_len = length // s
            new_width = (width - 1) // s + 2
            steps.append(_Step(module, kind, length, out_len, width, new_width, stride=s))
            width = new_width
        else:
            out_len = length
            steps.append(_Step(module, kind, length, length, width, width))
        length = out_len
    return steps


class _FastISM:
    """A model prepared for windowed ISM at one input length."""

    def __init__(self, layers: list[nn.Module], head: Callable, length: int) -> None:
        self.head, self.length = head, length
        with torch.no_grad():
            self.layers = _fold_batchnorm(layers)
        self.steps = _plan(self.layers, length)
        # margins so that every gathered window stays inside the padded reference
        self.margins = []
        for step in self.steps:
            extra = step.reach if step.kind == "conv" else step.stride * 2 if step.kind == "pool" else 0
            self.margins.append(step.width_in + extra + 2)
        self.margins.append(self.steps[-1].width_out + 2 if self.steps else 2)
        self._prepare_dense_head(head)
        # conv weights (C_out, C_in, k) as transposed-convolution weights (C_in, C_out, k), flipped
        self.transposed = {
            i: step.module.weight.flip(-1).transpose(0, 1).contiguous()
            for i, step in enumerate(self.steps)
            if step.kind == "conv"
        }

    def _prepare_dense_head(self, head: Callable) -> None:
        """When the head starts with Flatten then Linear, keep that weight as ``(H, C, L + 2m)``."""
        self.dense = None
        modules = list(head) if isinstance(head, nn.Sequential) else []
        if len(modules) >= 2 and isinstance(modules[0], nn.Flatten) and isinstance(modules[1], nn.Linear):
            convs = [step.module for step in self.steps if step.kind == "conv"]
            channels = convs[-1].out_channels if convs else 4
            length, margin = self.steps[-1].length_out, self.margins[-1]
            linear = modules[1]
            if linear.in_features == channels * length:
                weight = linear.weight.detach().reshape(linear.out_features, channels, length)
                self.dense = linear
                self.dense_weight = nn.functional.pad(weight, (margin, margin)).contiguous()
                self.dense_rest = nn.Sequential(*modules[2:])

    def reference(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        """Reference activations of one sequence ``(4, L)``.

        Returns the zero-padded activation ``(C, L_l + 2m)`` at every local layer's
        input and after the last one, and (with a dense head) the first dense layer's
        reference output ``(1, H)``. Kept per call, so a shared plan stays read-only.
        """
        acts, h = [], x[None]
        for step, margin in zip(self.steps, self.margins):
            acts.append(nn.functional.pad(h[0], (margin, margin)))
            h = step.module(h)
        acts.append(nn.functional.pad(h[0], (self.margins[-1], self.margins[-1])))
        hidden = self.dense(h.reshape(1, -1)) if self.dense is not None else None
        return acts, hidden

    def outputs(
        self,
        reference: tuple[list[torch.Tensor], torch.Tensor | None],
        positions: torch.Tensor,
        columns: torch.Tensor,
    ) -> torch.Tensor:
        """Model outputs when the input column at each of ``positions`` ``(B,)`` of a
        :meth:`reference` is replaced by the matching row of ``columns`` ``(B, 4)``."""
        acts, hidden = reference
        values, start = self.windows(acts, positions, columns)
        if self.dense is not None:
            return self._dense_head(acts[-1], hidden, values, start)
        B = positions.shape[0]
        margin = self.margins[-1]
        full = acts[-1][None].expand(B, -1, -1).clone()
        index = (start[:, None] + margin + torch.arange(values.shape[2], device=values.device))[:, None, :]
        full.scatter_(2, index.expand(-1, values.shape[1], -1), values)
        return self.head(full[:, :, margin : full.shape[2] - margin])

    def _dense_head(
        self, ref: torch.Tensor, ref_hidden: torch.Tensor, values: torch.Tensor, start: torch.Tensor
    ) -> torch.Tensor:
        """Flatten + Linear on the changed window only: ``W x = W x_ref + W[:, window] (x - x_ref)``.

        Mutants that share a final window start (most of a batch, after the pools) share
        one slice of the weight matrix.
        """
        margin = self.margins[-1]
        width = values.shape[2]
        delta = values - _window(ref, start + margin, width)  # (B, C, w)
        hidden = ref_hidden.expand(values.shape[0], -1).clone()
        for first in torch.unique(start).tolist():
            members = (start == first).nonzero().flatten()
            columns = self.dense_weight[:, :, first + margin : first + margin + width].reshape(
                self.dense_weight.shape[0], -1
            )
            hidden[members] += delta[members].reshape(len(members), -1) @ columns.T
        return self.dense_rest(hidden)

    def windows(
        self, acts: list[torch.Tensor], positions: torch.Tensor, columns: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Changed window of the last local layer: values ``(B, C, w)`` and 0-based starts ``(B,)``.

        ``columns`` ``(B, 4)`` are the new input columns at ``positions`` ``(B,)``.
        """
        device = acts[0].device
        start = positions.clone()
        values = columns.to(acts[0].dtype)[:, :, None]  # (B, 4, 1)
        for layer, (step, margin, ref) in enumerate(zip(self.steps, self.margins, acts)):
            if step.kind == "pointwise":
                values = step.module(values)
            elif step.kind == "conv":
                # A convolution is linear: recompute only what the changed inputs add,
                # conv(mutant) = conv(reference) + conv(mutant - reference), as a
                # transposed convolution over the changed window alone.
                delta = values - _window(ref, start + margin, step.width_in)
                start = start - step.reach + step.padding
                out_margin = self.margins[layer + 1]
                values = _window(
                    acts[layer + 1], start + out_margin, step.width_out
                ) + nn.functional.conv_transpose1d(
                    delta, self.transposed[layer], dilation=step.module.dilation
                )
            else:
                s = step.stride
                new_start = torch.div(start, s, rounding_mode="floor")
                width = step.width_out * s
                gathered = _window(ref, new_start * s + margin, width).clone()
                offset = (start - new_start * s)[:, None] + torch.arange(step.width_in, device=device)
                gathered.scatter_(2, offset[:, None, :].expand(-1, values.shape[1], -1), values)
                values = step.module(gathered)
                start = new_start
            # positions outside the layer's output are zero padding for the next layer
            if bool((start < 0).any()) or bool((start + values.shape[2] > step.length_out).any()):
                pos = start[:, None] + torch.arange(values.shape[2], device=device)
                values = values * ((pos >= 0) & (pos < step.length_out))[:, None, :].to(values.dtype)
        return values, start


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fast_plan(wrapper: nn.Module, length: int) -> _FastISM | None:
    """The prepared plan for a wrapped model and input length, or ``None`` if not local."""
    inner = wrapper.model if isinstance(wrapper, TargetOutput) else wrapper
    split = getattr(inner, "ism_split", None)
    if split is None:
        return None
    per_model = _PLANS.setdefault(inner, {})
    if length not in per_model:
        layers, head = split()
        try:
            per_model[length] = _FastISM(layers, head, length)
        except ValueError:
            per_model[length] = None
    return per_model[length]


def _substitutions(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Positions and bases of all non-identity substitutions of one ``(4, L)`` sequence."""
    L = x.shape[1]
    observed = x.argmax(dim=0)
    is_base = x.sum(dim=0) > 0
    positions = torch.arange(L, device=x.device).repeat_interleave(4)
    bases = torch.arange(4, device=x.device).repeat(L)
    keep = ~(is_base.repeat_interleave(4) & (observed.repeat_interleave(4) == bases))
    return positions[keep], bases[keep]


def _replacement_effects(
    model: nn.Module,
    X: torch.Tensor,
    changes: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    batch_size: int,
    fast: bool,
    progress: Progress | None,
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Output change when single input columns are replaced, sequence by sequence.

    ``changes(x)`` gives, for one ``(4, L)`` sequence, the positions ``(B,)`` and new
    columns ``(B, 4)`` to try. Returns, per sequence, those positions, columns and
    ``output(changed) - output(x)`` ``(B,)``, on the CPU.
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    N, _, L = X.shape
    plan = _fast_plan(model, L) if fast else None
    if plan is None:  # whole inputs per row: keep a pass to about FULL_PASS_ELEMENTS input values
        batch_size = max(1, min(batch_size, FULL_PASS_ELEMENTS // (4 * L)))
    select = model.select if isinstance(model, TargetOutput) else (lambda out: out)
    results = []
    with torch.inference_mode():
        for n in range(N):
            x = X[n].to(device, dtype=torch.float32)
            ref_out = select(model.model(x[None]) if isinstance(model, TargetOutput) else model(x[None]))
            ref_value = ref_out.reshape(-1)[0]
            positions, columns = changes(x)
            deltas = torch.empty(positions.shape[0])
            reference = plan.reference(x) if plan is not None else None
            for start in range(0, positions.shape[0], batch_size):
                pos, col = positions[start : start + batch_size], columns[start : start + batch_size]
                if plan is not None:
                    out = select(plan.outputs(reference, pos, col))
                else:
                    batch = x[None].expand(pos.shape[0], -1, -1).clone()
                    batch[torch.arange(pos.shape[0], device=device), :, pos] = col.to(batch.dtype)
                    out = model(batch)
                deltas[start : start + pos.shape[0]] = (out.reshape(-1) - ref_value).float().cpu()
            results.append((positions.cpu(), columns.cpu(), deltas))
            if progress is not None:
                progress(n + 1, N)
    return results


def saturation_mutagenesis(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    fast: bool = True,
    columns: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> torch.Tensor:
    """Effect of every single-base substitution on a scalar output.

    Parameters
    ----------
    model : torch.nn.Module
        Returns ``(N, 1)`` (e.g. a :class:`~genodash.targets.TargetOutput`) or ``(N,)``.
        In eval mode; not modified.
    X : torch.Tensor
        ``(N, 4, L)`` one-hot; not modified. ``N`` columns get all four bases tried.
    batch_size : int
        Mutants per forward pass.
    fast : bool
        Use windowed recomputation when the model allows it (same results).
    columns : tuple of int, optional
        Only substitute columns ``[start, end)`` (the rest of the result is 0): for
        models too large for all ``3 L`` mutants, e.g. a window around a variant.
    progress : callable, optional
        ``progress(done, total)`` in sequences.

    Returns
    -------
    torch.Tensor
        ``(N, 4, L)`` on the CPU: output(mutant) - output(reference); 0 at the
        observed base.
    """
    check(X.ndim == 3 and X.shape[1] == 4, f"X must have shape (N, 4, L), got {tuple(X.shape)}")
    N, _, L = X.shape

    def changes(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        positions, bases = _substitutions(x)
        if columns is not None:
            keep = (positions >= columns[0]) & (positions < columns[1])
            positions, bases = positions[keep], bases[keep]
        return positions, nn.functional.one_hot(bases, 4)

    results = _replacement_effects(model, X, changes, batch_size, fast, progress)
    effects = torch.zeros(N, 4, L)
    for n, (positions, columns_tried, deltas) in enumerate(results):
        bases = columns_tried.argmax(dim=1)
        effects[n, bases, positions] = deltas
    return effects


def occlusion(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 1024,
    fast: bool = True,
    progress: Progress | None = None,
) -> torch.Tensor:
    """Output drop when each base is occluded (its one-hot column set to zeros, an N).

    Captum's ``Occlusion`` with a window of one position, stride 1 and a zero
    baseline computes the same values; here the occluded inputs go through the
    windowed recomputation of fast ISM where the model allows it.

    Parameters
    ----------
    model, X, batch_size, fast, progress
        As for :func:`saturation_mutagenesis`.

    Returns
    -------
    torch.Tensor
        ``(N, L)`` on the CPU: ``output(x) - output(x with position i occluded)``;
        0 where the input column is already all zeros.
    """
    check(X.ndim == 3 and X.shape[1] == 4, f"X must have shape (N, 4, L), got {tuple(X.shape)}")
    N, _, L = X.shape

    def changes(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        positions = (x.sum(dim=0) != 0).nonzero().flatten()
        return positions, torch.zeros(positions.shape[0], 4, device=x.device)

    results = _replacement_effects(model, X, changes, batch_size, fast, progress)
    drops = torch.zeros(N, L)
    for n, (positions, _, deltas) in enumerate(results):
        drops[n, positions] = -deltas
    return drops
