"""Attribution maps: why a model predicts what it does, one verb for every method.

``attribute(model, X, *, method, target, ...)`` returns a CPU tensor shaped like ``X``,
``(N, 4, L)``. Methods live in a registry (:data:`METHODS`). Captum computes the
gradients; genodash adds what genomics needs: per-sequence shuffled references,
hypothetical contributions, gradient correction, and checks that say when a method
did not work (see ``../shared/ATTRIBUTION_NOTES.md``).

Conventions
-----------
- *Hypothetical* contributions ``H[n, b, i]``: what base ``b`` at position ``i`` would
  contribute (Shrikumar et al.). For multiplier-based methods
  ``H_b = M_b - sum_c ref_c M_c``, averaged over references, where ``M`` are the
  multipliers (gradients) and ``ref`` the reference base composition.
- *Projected* (default): ``H * X``, the contribution of the base that is there;
  summing it over channels gives the usual attribution-times-input.
- *Gradient correction* (Majdandzic et al., Genome Biology 2023): subtract the
  per-position mean over A, C, G, T from the multipliers. With one-hot references
  (shuffles) it cancels out exactly; it matters for zero references.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import DeepLift, Occlusion, Saliency
from captum.attr._core.deep_lift import SUPPORTED_NON_LINEAR
from captum.attr._utils.approximation_methods import approximation_parameters
from torch import nn

from genodash.attribution_split import FirstLayerSplit, first_layer_split
from genodash.deeplift_engine import deeplift_supported
from genodash.errors import check
from genodash.ism import FULL_PASS_ELEMENTS, occlusion, saturation_mutagenesis
from genodash.predict import Progress
from genodash.sequence import decode_one_hot, one_hot_encode
from genodash.shuffle import dinucleotide_shuffles
from genodash.targets import TargetOutput, resolve_target

BASELINES = ("dinuc_shuffle", "zeros", "uniform")
#: A completeness gap above this fraction of |f(x) - f(ref)| (or 0.01 absolute) is reported.
COMPLETENESS_TOLERANCE = 0.05
#: Input positions (rows x length) per gradient call of Captum without a fast path: bounds
#: the memory autograd keeps (SpliceAI's 15 kb inputs, 32 rows per call: about 12 GB) and lets a long
#: run report progress often (3 rows of SpliceAI per call).
GRADIENT_CALL_POSITIONS = 50_000
#: Layers that DeepLIFT treats correctly as linear (or passes through unchanged).
_LINEAR_LAYERS = (
    nn.Conv1d, nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Flatten,
    nn.Identity, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.AvgPool1d, nn.ConstantPad1d,
    TargetOutput,
)  # fmt: skip


@dataclass(frozen=True)
class Attribution:
    """Attributions with the checks that come with them.

    Attributes
    ----------
    method : str
    projected : torch.Tensor
        ``(N, 4, L)``: the contribution of the observed base at each position (zero
        elsewhere); for ISM the effects centred over the four bases, times ``X``.
    hypothetical : torch.Tensor
        ``(N, 4, L)`` hypothetical contributions; for ISM the raw substitution effects
        (mutant minus reference output, 0 at the reference base); for occlusion,
        which has none, the projected values.
    completeness_gap : torch.Tensor or None
        ``(N,)`` largest ``|sum(attributions) - (f(x) - f(ref))|`` over a sequence's
        references, for methods that promise completeness; ``None`` otherwise.
    output_change : torch.Tensor or None
        ``(N,)`` mean ``f(x) - f(ref)`` over references, for the same methods.
    warnings : tuple of str
        Plain-language problems found (unsupported layers, completeness failures).
    off_simplex : torch.Tensor or None
        ``(N,)`` for the gradient methods: the angle in degrees between each
        sequence's multipliers (gradients, over all its references) and the simplex
        plane, ``asin`` of the norm of their per-position mean over A, C, G, T (times
        2) over their norm. That part is what gradient correction removes
        (Majdandzic et al. 2023); ``None`` for ISM and occlusion.
    """

    method: str
    projected: torch.Tensor
    hypothetical: torch.Tensor
    completeness_gap: torch.Tensor | None
    output_change: torch.Tensor | None
    warnings: tuple[str, ...]
    off_simplex: torch.Tensor | None = None

    def values(self, hypothetical: bool = False) -> torch.Tensor:
        """``(N, 4, L)``: hypothetical or projected contributions."""
        return self.hypothetical if hypothetical else self.projected

    def position_importance(self) -> torch.Tensor:
        """``(N, L)``: the projected contribution summed over bases, one value per position.

        For ISM this is minus the mean effect of substituting the observed base.
        """
        return self.projected.sum(dim=1)


def sequence_rng(seed: int, sequence: str, stream: int = 0) -> np.random.Generator:
    """The random generator of one sequence: from ``seed`` and the sequence's letters.

    So a sequence gets the same references and samples whichever other sequences are
    explained with it, in whatever order and batch size; ``stream`` separates uses.
    """
    key = int.from_bytes(hashlib.sha256(sequence.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, key, stream])


def make_references(X: torch.Tensor, kind: str, n: int, seed: int) -> torch.Tensor:
    """Reference inputs for each sequence.

    Parameters
    ----------
    X : torch.Tensor
        ``(N, 4, L)`` one-hot.
    kind : {"dinuc_shuffle", "zeros", "uniform"}
        ``dinuc_shuffle``: ``n`` dinucleotide-shuffled copies of each sequence
        (seeded per sequence, see :func:`sequence_rng`); ``zeros``: all-zero columns;
        ``uniform``: 0.25 everywhere.
    n : int
        References per sequence (only used for shuffles; the others use one).
    seed : int

    Returns
    -------
    torch.Tensor
        ``(N, B, 4, L)`` with ``B = n`` for shuffles, else 1.
    """
    check(kind in BASELINES, f"baseline {kind!r} is unknown; choose one of: {', '.join(BASELINES)}")
    N, _, L = X.shape
    if kind == "zeros":
        return torch.zeros(N, 1, 4, L)
    if kind == "uniform":
        return torch.full((N, 1, 4, L), 0.25)
    check(n >= 1, f"n_baselines must be at least 1, got {n}")
    shuffles = []
    for seq in decode_one_hot(X):
        shuffles += dinucleotide_shuffles(seq, sequence_rng(seed, seq), n)
    return one_hot_encode(shuffles).reshape(N, n, 4, L)


def _hypothetical(M: torch.Tensor, refs: torch.Tensor, correct: bool) -> torch.Tensor:
    """``(N, B, 4, L)`` multipliers and references -> ``(N, 4, L)`` hypothetical contributions."""
    if correct:
        M = M - M.mean(dim=2, keepdim=True)
    H = M - (refs * M).sum(dim=2, keepdim=True)
    return H.mean(dim=1)


def _forward(wrapper: nn.Module, X: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return wrapper(X)[:, 0]


@dataclass(frozen=True)
class _Multipliers:
    """What a multiplier method returns.

    Attributes
    ----------
    M : torch.Tensor
        ``(N, B, 4, L)`` multipliers.
    refs : torch.Tensor
        ``(N, B, 4, L)``: the references they go with.
    f_x, f_refs : torch.Tensor or None
        ``(N,)`` and ``(N, B)`` explained values of inputs and references, when the
        method computed them anyway (the completeness check reuses them).
    layer_losses : dict of str to torch.Tensor, optional
        DeepLIFT's fast path: layer name -> ``(N,)``, how much of the output change
        that layer's rule lost (so a failed completeness check can name the layer).
    """

    M: torch.Tensor
    refs: torch.Tensor
    f_x: torch.Tensor | None = None
    f_refs: torch.Tensor | None = None
    layer_losses: dict[str, torch.Tensor] | None = None


def _rows_per_call(length: int, most: int) -> int:
    """Rows of ``length`` nt per Captum call: at most ``most``, about :data:`GRADIENT_CALL_POSITIONS` nt."""
    return max(1, min(most, GRADIENT_CALL_POSITIONS // max(length, 1)))


def _captum_gradients(wrapper: nn.Module, points: torch.Tensor) -> torch.Tensor:
    """Captum's saliency (plain gradients) of ``points`` ``(R, 4, L)``, in calls of bounded memory."""
    rows = _rows_per_call(points.shape[-1], points.shape[0])
    return torch.cat(
        [
            Saliency(wrapper).attribute(points[i : i + rows].detach().requires_grad_(), target=0, abs=False)
            for i in range(0, points.shape[0], rows)
        ]
    )


def _split(options: dict) -> FirstLayerSplit | None:
    """The model's first-layer split, when the fast exact path is on and possible."""
    return options.get("_split")


# --- multiplier methods: (wrapper, X, refs, options) -> _Multipliers, with X (N, 4, L) and
# refs (N, B, 4, L). With a first-layer split (attribution_split.py) they skip the first
# layer's per-step work; otherwise Captum computes them.


def _saliency_multipliers(wrapper, X, refs, options):
    split = _split(options)
    if split is not None:
        grads = split.gradients(X)
    else:
        grads = _captum_gradients(wrapper, X)
    return _Multipliers(grads[:, None], refs)


def _ig_multipliers(wrapper, X, refs, options):
    N, B = refs.shape[:2]
    n_steps = options.get("n_steps", 50)
    split = _split(options)
    if split is not None:
        M, f_x, f_refs = split.integrated_gradients(
            X, refs, n_steps, rows_per_call=options.get("internal_batch_size")
        )
        return _Multipliers(M, refs, f_x, f_refs)
    inputs = X[:, None].expand(N, B, *X.shape[1:]).reshape(N * B, *X.shape[1:])
    M = integrated_gradients_by_points(
        wrapper,
        inputs,
        refs.reshape(N * B, *X.shape[1:]),
        n_steps,
        # small batches ran fastest on CPU; fewer for long inputs (memory)
        rows=options.get("internal_batch_size", _rows_per_call(X.shape[-1], 32)),
        progress=options.get("_progress"),
    )
    return _Multipliers(M.reshape(N, B, *X.shape[1:]), refs)


def integrated_gradients_by_points(
    wrapper: nn.Module,
    inputs: torch.Tensor,
    baselines: torch.Tensor,
    n_steps: int = 50,
    rows: int = 32,
    progress: Callable[[float], None] | None = None,
) -> torch.Tensor:
    """Captum's ``IntegratedGradients(multiply_by_inputs=False)``, reporting progress as it goes.

    The same Gauss-Legendre points and weights as Captum (``method="gausslegendre"``),
    the path points ``b + alpha (x - b)`` sent through Captum's saliency ``rows`` at a
    time, each gradient weighted and summed; only the order of the float32 sums differs
    from Captum's. So a long run (SpliceAI: one gradient pass of 15 kb takes seconds) can
    show how far it is.

    Parameters
    ----------
    wrapper : torch.nn.Module
        Gives ``(R, 1)``: the explained value.
    inputs, baselines : torch.Tensor
        ``(R, 4, L)``.
    n_steps : int
    rows : int
        Path points per gradient call.
    progress : callable, optional
        ``progress(fraction)`` after each call, ``fraction`` in (0, 1].

    Returns
    -------
    torch.Tensor
        ``(R, 4, L)``: the weighted sum of gradients along each straight path.
    """
    step_sizes, alphas = (f(n_steps) for f in approximation_parameters("gausslegendre"))
    weights = torch.tensor(step_sizes).float().to(inputs.device)
    R = inputs.shape[0]
    total = torch.zeros_like(inputs, dtype=torch.float32)
    pairs = [(k, i) for k in range(n_steps) for i in range(R)]  # Captum's order: step-major
    for start in range(0, len(pairs), rows):
        chunk = pairs[start : start + rows]
        k = torch.tensor([p[0] for p in chunk])
        i = torch.tensor([p[1] for p in chunk], device=inputs.device)
        alpha = torch.tensor([alphas[j] for j in k.tolist()], dtype=inputs.dtype, device=inputs.device)
        points = baselines[i] + alpha[:, None, None] * (inputs[i] - baselines[i])
        grads = _captum_gradients(wrapper, points)
        total.index_add_(0, i, grads * weights[k.to(weights.device)][:, None, None])
        if progress is not None:
            progress(min(start + rows, len(pairs)) / len(pairs))
    return total


def _deeplift_multipliers(wrapper, X, refs, options):
    N, B = refs.shape[:2]
    split = _split(options)
    if split is not None and deeplift_supported(split):
        M, f_x, f_refs, losses = split.deeplift(X, refs, pairs_per_call=options.get("pairs_per_call"))
        return _Multipliers(M, refs, f_x, f_refs, losses)
    inputs = X[:, None].expand(N, B, *X.shape[1:]).reshape(N * B, *X.shape[1:])
    # DeepLift adds hooks to the modules: work on a private copy, so a model shared
    # between sessions is never modified and concurrent calls are safe.
    private = copy.deepcopy(wrapper)
    flat_refs = refs.reshape(N * B, *X.shape[1:])
    explainer = DeepLift(private, multiply_by_inputs=False)
    # One sequence with its references per call, as Captum's DeepLiftShap groups them:
    # Captum's max-pool rule reads the call's first row where |x - r| is tiny, so rows of
    # other sequences in the same call would change a sequence's result.
    M = torch.cat(
        [
            explainer.attribute(
                inputs[i : i + B].detach().requires_grad_(), baselines=flat_refs[i : i + B], target=0
            )
            for i in range(0, N * B, B)
        ]
    )
    return _Multipliers(M.reshape(N, B, *X.shape[1:]), refs)


def _gradient_shap_multipliers(wrapper, X, refs, options):
    """Expected gradients: gradients at random points between each reference and the input."""
    N, B = refs.shape[:2]
    samples = options.get("n_samples", 20)
    rngs = [sequence_rng(options.get("seed", 0), seq, stream=1) for seq in decode_one_hot(X.cpu())]
    pick = torch.as_tensor(np.stack([rng.integers(0, B, samples) for rng in rngs]))
    chosen = refs[torch.arange(N)[:, None], pick]  # (N, S, 4, L)
    alpha = torch.as_tensor(np.stack([rng.random(samples) for rng in rngs]), dtype=X.dtype)
    alpha = alpha[:, :, None, None].to(X.device)
    points = (chosen + alpha * (X[:, None] - chosen)).reshape(N * samples, *X.shape[1:])
    split = _split(options)
    if split is not None:
        grads = split.gradients(points)
    else:
        grads = _captum_gradients(wrapper, points)
    return _Multipliers(grads.reshape(N, samples, *X.shape[1:]), chosen)


@dataclass(frozen=True)
class Method:
    """A registry entry: how to compute one attribution method.

    Attributes
    ----------
    name : str
    multipliers : callable or None
        ``(wrapper, X, refs, options) -> _Multipliers``.
    uses_references : bool
        Whether the method uses the chosen baseline.
    complete : bool
        Whether attributions should sum to ``f(x) - f(ref)`` (checked).
    hooks : bool
        Whether the method relies on per-layer rules (DeepLIFT).
    """

    name: str
    multipliers: Callable | None
    uses_references: bool
    complete: bool
    hooks: bool = False


#: name -> Method. ``ism`` and ``occlusion`` are perturbation methods, computed separately.
METHODS: dict[str, Method] = {
    "saliency": Method("saliency", _saliency_multipliers, False, False),
    "input_x_gradient": Method("input_x_gradient", _saliency_multipliers, False, False),
    "integrated_gradients": Method("integrated_gradients", _ig_multipliers, True, True),
    "deeplift": Method("deeplift", _deeplift_multipliers, True, True, hooks=True),
    "deep_lift_shap": Method("deep_lift_shap", _deeplift_multipliers, True, True, hooks=True),
    "gradient_shap": Method("gradient_shap", _gradient_shap_multipliers, True, False),
    "occlusion": Method("occlusion", None, False, False),
    "ism": Method("ism", None, False, False),
}


def unsupported_layers(model: nn.Module) -> list[str]:
    """Layers with no DeepLIFT rule in Captum (their gradient is passed through silently).

    Returns
    -------
    list of str
        ``"name (Type)"`` for every leaf module that is neither linear nor a supported
        non-linearity.
    """
    found = []
    for name, module in model.named_modules():
        if not name or list(module.children()):  # the root and containers hold no rule themselves
            continue
        if isinstance(module, _LINEAR_LAYERS) or type(module) in SUPPORTED_NON_LINEAR:
            continue
        found.append(f"{name or 'model'} ({type(module).__name__})")
    return found


def _occlusion(wrapper: nn.Module, X: torch.Tensor, options: dict, progress: Progress | None) -> torch.Tensor:
    """Occlusion ``(N, 4, L)`` on the observed bases: ``f(x) - f(x with a window set to 0)``.

    A one-position window goes through :func:`genodash.ism.occlusion` (windowed
    recomputation where the model allows it; the same values as Captum's
    ``Occlusion``); wider windows through Captum, as many windows per pass as
    :data:`genodash.ism.FULL_PASS_ELEMENTS` allows.
    """
    width = options.get("occlusion_width", 1)
    X = X.float()
    if width == 1:
        drops = occlusion(
            wrapper, X, batch_size=options.get("ism_batch_size", 1024), fast=options.get("fast", True),
            progress=progress,
        )  # fmt: skip
        return drops[:, None] * X.cpu()
    L = X.shape[2]
    per_pass = max(1, min(L - width + 1, FULL_PASS_ELEMENTS // (4 * L)))
    explainer, out = Occlusion(wrapper), []
    for n in range(X.shape[0]):
        values = explainer.attribute(
            X[n : n + 1], sliding_window_shapes=(4, width), strides=(4, 1), baselines=0.0, target=0,
            perturbations_per_eval=per_pass,
        )  # fmt: skip
        # Captum gives every channel of a position the same value; keep it on the observed base.
        out.append((values[:, :1] * X[n : n + 1]).detach().cpu())
        if progress is not None:
            progress(n + 1, X.shape[0])
    return torch.cat(out)


def explain(
    model: nn.Module,
    X: torch.Tensor,
    *,
    method: str,
    target: int | str = 0,
    tasks: Sequence[str] | None = None,
    window: tuple[int, int] | None = None,
    baseline: str = "dinuc_shuffle",
    n_baselines: int = 10,
    seed: int = 0,
    gradient_correction: bool = False,
    batch_size: int = 16,
    progress: Progress | None = None,
    names: Sequence[str] | None = None,
    **options,
) -> Attribution:
    """Attribute a model's output to the bases of each sequence, with checks.

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode; returns ``(N, T)`` logits or ``(N, T, L_out)`` profiles. Not modified.
    X : torch.Tensor
        ``(N, 4, L)`` one-hot. Not modified.
    method : str
        A key of :data:`METHODS`.
    target : int or str
        Task index or name (names need ``tasks``).
    tasks : sequence of str, optional
    window : tuple of int, optional
        Profile models: output positions ``[start, end)`` whose sum is explained.
    baseline : {"dinuc_shuffle", "zeros", "uniform"}
        References for integrated gradients, DeepLIFT, DeepLiftShap, GradientShap.
        ``deeplift`` uses the first reference only; ``deep_lift_shap`` averages over all.
    n_baselines : int
        Shuffled references per sequence.
    seed : int
        Seeds the shuffles and GradientShap's sampling.
    gradient_correction : bool
        Subtract the per-position mean over bases from the multipliers.
    batch_size : int
        Sequences per Captum call (each is expanded by references and steps).
    progress : callable, optional
        ``progress(done, total)`` in sequences (``done`` may be fractional: integrated
        gradients without a fast path reports each gradient call).
    names : sequence of str, optional
        The ``N`` sequences' names, for warnings (default: "sequence 1" ...).
    **options
        ``n_steps`` (IG, 50); ``internal_batch_size`` (IG, 32; on the fast path
        about ``ELEMENTS_PER_CALL`` first-layer values per pass); ``n_samples``
        (GradientShap, 20); ``occlusion_width`` (1); ``pairs_per_call`` (DeepLIFT's
        fast path, about ``DEEPLIFT_ELEMENTS_PER_CALL`` first-layer values per call;
        Captum gets one sequence with its references per call);
        ``ism_batch_size``: mutants per pass of ISM and one-position occlusion (1024);
        ``fast`` (True): use the exact first-layer shortcuts of
        :mod:`genodash.attribution_split` and the windowed recomputation of
        :mod:`genodash.ism` when the model allows them (same results to float32
        rounding), ``False`` for Captum and full-model passes throughout.

    Returns
    -------
    Attribution
        Tensors on the CPU.
    """
    check(method in METHODS, f"method {method!r} is unknown; choose one of: {', '.join(METHODS)}")
    check(X.ndim == 3 and X.shape[1] == 4, f"X must have shape (N, 4, L), got {tuple(X.shape)}")
    check(X.shape[0] > 0, "X holds no sequences")
    spec = METHODS[method]
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    index = resolve_target(target, tasks)
    wrapper = TargetOutput(model, index, window).eval()
    warnings: list[str] = []

    if method == "ism":
        H = saturation_mutagenesis(
            wrapper, X, batch_size=options.get("ism_batch_size", 1024), fast=options.get("fast", True),
            progress=progress,
        )  # fmt: skip
        projected = (H - H.mean(dim=1, keepdim=True)) * X.detach().cpu().float()
        return Attribution(method, projected, H, None, None, ())
    if method == "occlusion":
        values = _occlusion(wrapper, X.detach().to(device), options, progress)
        return Attribution(method, values, values, None, None, ())

    bad = unsupported_layers(model) if spec.hooks else []
    if spec.hooks:
        if bad:
            warnings.append(
                "DeepLIFT has no rule for these layers, so Captum silently passes the plain "
                "gradient through them: " + ", ".join(bad) + ". Treat DeepLIFT here with caution."
            )
    split = first_layer_split(wrapper) if options.pop("fast", True) else None
    kind = baseline if spec.uses_references else "zeros"
    count = 1 if method == "deeplift" else n_baselines
    hyps, gaps, changes, losses, angles = [], [], [], [], []
    n = X.shape[0]
    for start in range(0, n, batch_size):
        xb = X[start : start + batch_size].to(device, dtype=torch.float32)
        refs = make_references(xb.cpu(), kind, count, seed).to(device)
        within = None
        if progress is not None:  # fractions of this batch (long runs without a fast path)

            def within(fraction: float, start: int = start, size: int = xb.shape[0]) -> None:
                progress(start + fraction * size, n)

        out = spec.multipliers(
            wrapper, xb, refs, {"seed": seed, "_split": split, "_progress": within, **options}
        )
        M, refs = out.M.detach(), out.refs
        hyps.append(_hypothetical(M, refs, gradient_correction).cpu())
        angles.append(off_simplex_angle(M).cpu())
        if spec.complete:
            B = refs.shape[1]
            attr_sum = ((xb[:, None] - refs) * M).sum(dim=(2, 3))  # (N, B)
            f_x = out.f_x if out.f_x is not None else _forward(wrapper, xb)
            if out.f_refs is not None:
                f_refs = out.f_refs
            else:
                f_refs = _forward(wrapper, refs.reshape(-1, *xb.shape[1:])).reshape(-1, B)
            diff = f_x[:, None] - f_refs
            gaps.append((attr_sum - diff).abs().amax(dim=1).detach().cpu())
            changes.append(diff.mean(dim=1).detach().cpu())
            if out.layer_losses is not None:
                losses.append(out.layer_losses)
        if progress is not None:
            progress(min(start + batch_size, n), n)
    H = torch.cat(hyps)
    gap = torch.cat(gaps) if gaps else None
    change = torch.cat(changes) if changes else None
    if gap is not None:
        limit = torch.clamp(COMPLETENESS_TOLERANCE * change.abs(), min=0.01)
        failing = (gap > limit).nonzero().flatten().tolist()
        if failing:
            worst = int(gap.argmax())
            warnings.append(
                f"Completeness check failed for {len(failing)} of {n} sequences: attributions "
                f"should sum to f(x) - f(reference), but miss it by up to {float(gap[worst]):.3g} "
                f"({names[worst] if names is not None else f'sequence {worst + 1}'}, where "
                f"f(x) - f(reference) = {float(change[worst]):.3g}"
                + (f" on average over its {refs.shape[1]} references)." if refs.shape[1] > 1 else ").")
                + (
                    " The model has layers without a DeepLIFT rule (see above)."
                    if bad
                    else _where_lost(losses, failing, limit)
                    + " Read these logos with caution and compare them with ISM or integrated gradients."
                    if spec.hooks
                    else " Use more integration steps."
                )
            )
    projected = H * X.detach().cpu().float()
    return Attribution(method, projected, H, gap, change, tuple(warnings), torch.cat(angles))


def off_simplex_angle(M: torch.Tensor) -> torch.Tensor:
    """Angle between each sequence's multipliers and the simplex plane, in degrees.

    At each position the part of a gradient ``g`` off the plane of one-hot inputs is
    its mean over the four bases times ``(1, 1, 1, 1)``; its squared norm is ``4
    mean(g)^2``. Summed over positions (and references) and compared with ``|g|^2``,
    that gives ``sin`` of the angle: 0 deg when gradient correction changes nothing,
    90 deg when the gradient is all noise off the simplex.

    Parameters
    ----------
    M : torch.Tensor
        ``(N, B, 4, L)`` multipliers.

    Returns
    -------
    torch.Tensor
        ``(N,)`` degrees (0 where the multipliers are all zero).
    """
    off = 4 * M.mean(dim=2).pow(2).sum(dim=(1, 2))
    total = M.pow(2).sum(dim=(1, 2, 3))
    ratio = torch.where(total > 0, off / total.clamp(min=torch.finfo(M.dtype).tiny), torch.zeros_like(total))
    return torch.rad2deg(torch.asin(ratio.clamp(0, 1).sqrt()))


def _where_lost(losses: list[dict[str, torch.Tensor]], failing: list[int], limit: torch.Tensor) -> str:
    """Which layers' DeepLIFT rules lost the output change, in words (worst first).

    ``losses``: one ``{layer: (n,)}`` per batch (empty when Captum computed DeepLIFT);
    ``failing``: the sequences whose completeness check failed; ``limit`` ``(N,)``.
    """
    if not losses:
        return (
            " Captum's DeepLIFT rules do not hold exactly for this model (its max-pool rule, for "
            "one, can fail)."
        )
    index = torch.tensor(failing)
    worst = {}
    for name in losses[0]:
        lost = torch.cat([batch[name] for batch in losses])[index]
        if bool((lost > limit[index]).any()):
            worst[name] = float(lost.max())
    if not worst:
        return " No single layer's rule is to blame: small losses add up across layers."
    ranked = sorted(worst.items(), key=lambda kv: -kv[1])
    named = "; ".join(f"{name} up to {value:.3g}" for name, value in ranked)
    return (
        f" The output change is lost at: {named} (these layers' DeepLIFT rules do not conserve it; "
        "the other layers do)."
    )


def attribute(
    model: nn.Module, X: torch.Tensor, *, method: str, hypothetical: bool = False, **kwargs
) -> torch.Tensor:
    """Attributions shaped like ``X``: ``(N, 4, L)`` on the CPU.

    Parameters
    ----------
    model, X, method
        As for :func:`explain`.
    hypothetical : bool
        Hypothetical contributions instead of projected ones (for ISM: the raw
        substitution effects).
    **kwargs
        The other options of :func:`explain`.

    Returns
    -------
    torch.Tensor
        ``(N, 4, L)``. Checks and warnings are dropped: use :func:`explain` to see them.
    """
    return explain(model, X, method=method, **kwargs).values(hypothetical)


__all__ = [
    "Attribution",
    "METHODS",
    "BASELINES",
    "attribute",
    "explain",
    "make_references",
    "off_simplex_angle",
    "sequence_rng",
]
