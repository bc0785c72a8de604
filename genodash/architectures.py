"""The allow-list of network architectures a model card may name.

A registry maps a name to an ``nn.Module`` class. Cards give the name and the
hyper-parameters; weights come from safetensors. Nothing here loads code or
pickles from a file.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from genodash.errors import ModelError, check
from genodash.spliceai.model import SpliceAIEnsemble


class GlobalMaxPool(nn.Module):
    """Maximum over the last dimension: ``(N, C, L)`` -> ``(N, C)``.

    No parameters. As a module it lets a model's ``ism_split()`` head be an
    ``nn.Sequential`` that :mod:`genodash.attribution_split` can read layer by layer.
    Its gradient is autograd's: split evenly among tied maxima.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., L)`` -> ``(...)``."""
        return x.amax(dim=-1)


class ConvPoolCNN(nn.Module):
    """A small motif CNN: two convolution blocks, global max pool, two dense layers.

    Parameters
    ----------
    n_tasks : int
        Number of outputs ``T``.
    filters : int, optional
        Channels of the first convolution (motif detectors).
    kernel_size : int, optional
        Width of the first convolution, in nucleotides.
    pool : int, optional
        Max-pool width after the first convolution.
    filters2 : int, optional
        Channels of the second convolution.
    kernel_size2 : int, optional
        Width of the second convolution, in pooled positions.
    hidden : int, optional
        Units of the dense hidden layer.
    dropout : float, optional
        Dropout rate (active in training only).

    Notes
    -----
    Input ``(N, 4, L)``, output ``(N, T)`` logits. Any ``L >= pool * kernel_size2``
    works because of the global max pool.
    """

    def __init__(
        self,
        n_tasks: int,
        filters: int = 64,
        kernel_size: int = 19,
        pool: int = 4,
        filters2: int = 64,
        kernel_size2: int = 7,
        hidden: int = 64,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(4, filters, kernel_size, padding=kernel_size // 2)
        self.bn1 = nn.BatchNorm1d(filters)
        self.act1 = nn.ReLU()
        self.pool1 = nn.MaxPool1d(pool)
        self.drop1 = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(filters, filters2, kernel_size2, padding=kernel_size2 // 2)
        self.bn2 = nn.BatchNorm1d(filters2)
        self.act2 = nn.ReLU()
        self.fc1 = nn.Linear(filters2, hidden)
        self.act3 = nn.ReLU()
        self.drop2 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T)`` logits."""
        h = self.drop1(self.pool1(self.act1(self.bn1(self.conv1(x)))))
        h = self.act2(self.bn2(self.conv2(h)))
        return self.fc2(self.drop2(self.act3(self.fc1(h.amax(dim=-1)))))

    def ism_split(self) -> tuple[list[nn.Module], nn.Sequential]:
        """The local (position-wise windowable) layers and the rest, for fast ISM.

        Applied in order they compute :meth:`forward`. The head (global max pool, then
        the dense layers) is an ``nn.Sequential`` built on each call, so that
        :mod:`genodash.attribution_split` can read it layer by layer; its pool is not a
        registered submodule, so ``state_dict()`` and ``named_modules()`` stay as they
        were, and it takes the model's train/eval mode from ``self.training``.
        """
        local = [self.conv1, self.bn1, self.act1, self.pool1, self.drop1, self.conv2, self.bn2, self.act2]
        global_pool = GlobalMaxPool().train(self.training)
        return local, nn.Sequential(global_pool, self.fc1, self.act3, self.drop2, self.fc2)


class Basset(nn.Module):
    """Basset-style CNN (Kelley et al., Genome Research 2016).

    Three convolution blocks (conv, batch norm, ReLU, max pool), then two dense
    layers with dropout and a linear output.

    Parameters
    ----------
    n_tasks : int
        Outputs ``T``.
    input_length : int, optional
        ``L``; fixes the size of the flattened features.
    filters : tuple of int, optional
        Channels of the three convolutions.
    kernel_sizes : tuple of int, optional
        Widths of the three convolutions (zero padding keeps lengths).
    pools : tuple of int, optional
        Max-pool widths (= strides) after each convolution.
    hidden : int, optional
        Units of each of the two dense layers.
    dropout : float, optional

    Notes
    -----
    Input ``(N, 4, L)``, output ``(N, T)`` logits. The defaults are Basset's sizes:
    conv 300x19, pool 3, 200x11, pool 4, 200x7, pool 4, FC 1000, FC 1000.
    """

    def __init__(
        self,
        n_tasks: int,
        input_length: int = 1000,
        filters: tuple[int, int, int] = (300, 200, 200),
        kernel_sizes: tuple[int, int, int] = (19, 11, 7),
        pools: tuple[int, int, int] = (3, 4, 4),
        hidden: int = 1000,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        blocks, channels, length = [], 4, input_length
        for width, kernel, pool in zip(filters, kernel_sizes, pools, strict=True):
            blocks += [
                nn.Conv1d(channels, width, kernel, padding=kernel // 2),
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.MaxPool1d(pool),
            ]
            channels, length = width, (length + 2 * (kernel // 2) - kernel + 1) // pool
        self.convs = nn.Sequential(*blocks)
        self.dense = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * length, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_tasks),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T)`` logits."""
        return self.dense(self.convs(x))

    def ism_split(self) -> tuple[list[nn.Module], Callable[[torch.Tensor], torch.Tensor]]:
        """The local layers and the rest, for fast ISM."""
        return list(self.convs), self.dense


class Exp(nn.Module):
    """Exponential activation, ``exp(x)``, as a module so that hooks can find it."""

    #: element-wise: fast ISM may recompute it on a window
    pointwise = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Element-wise ``exp``; any shape."""
        return torch.exp(x)


class KooCNN(nn.Module):
    """Koo & Ploenzke's "CNN-dist" with an exponential first layer (Nat Mach Intell 2021).

    Four convolution blocks and a dense block, each convolution/dense layer without
    bias, followed by batch normalisation (Keras defaults: eps 1e-3, momentum
    0.99), its activation and dropout::

        conv 4->24, k=19, same  -> BN -> exp  -> dropout 0.1
        conv 24->32, k=7, same  -> BN -> ReLU -> dropout 0.2 -> max-pool 4
        conv 32->48, k=7, valid -> BN -> ReLU -> dropout 0.3 -> max-pool 4
        conv 48->64, k=3, valid -> BN -> ReLU -> dropout 0.4 -> max-pool 3 (ceil)
        flatten -> dense 96 -> BN -> ReLU -> dropout 0.5 -> dense T (logits)

    For ``L = 200`` the lengths are 200, 200 -> 50, 44 -> 11, 9 -> 3, so the
    flattened vector has 192 values. Weights start He-normal (truncated), as in
    the authors' Keras code.

    Parameters
    ----------
    n_tasks : int
        Number of outputs ``T``.
    input_length : int, optional
        ``L``; fixed because of the flatten layer.
    filters : tuple of int, optional
        Channels of the four convolutions.
    kernel_sizes : tuple of int, optional
        Widths of the four convolutions.
    hidden : int, optional
        Units of the dense hidden layer.
    dropout : tuple of float, optional
        Dropout rates of the five blocks (active in training only).
    first_activation : {"exponential", "relu"}, optional
        Activation of the first layer.

    Notes
    -----
    Input ``(N, 4, L)``, output ``(N, T)`` logits.
    """

    def __init__(
        self,
        n_tasks: int,
        input_length: int = 200,
        filters: tuple[int, int, int, int] = (24, 32, 48, 64),
        kernel_sizes: tuple[int, int, int, int] = (19, 7, 7, 3),
        hidden: int = 96,
        dropout: tuple[float, float, float, float, float] = (0.1, 0.2, 0.3, 0.4, 0.5),
        first_activation: str = "exponential",
    ) -> None:
        super().__init__()
        activations = {"exponential": Exp, "relu": nn.ReLU}
        check(
            first_activation in activations,
            f"first_activation is {first_activation!r}; allowed: {', '.join(activations)}",
            ModelError,
        )
        f1, f2, f3, f4 = filters
        k1, k2, k3, k4 = kernel_sizes
        length = (((input_length // 4) - k3 + 1) // 4 - k4 + 1 + 2) // 3
        check(length >= 1, f"input_length {input_length} is too short for this network", ModelError)

        def norm(channels: int) -> nn.BatchNorm1d:
            return nn.BatchNorm1d(channels, eps=1e-3, momentum=0.01)

        self.conv1 = nn.Conv1d(4, f1, k1, padding=k1 // 2, bias=False)
        self.bn1, self.act1, self.drop1 = norm(f1), activations[first_activation](), nn.Dropout(dropout[0])
        self.conv2 = nn.Conv1d(f1, f2, k2, padding=k2 // 2, bias=False)
        self.bn2, self.act2, self.drop2 = norm(f2), nn.ReLU(), nn.Dropout(dropout[1])
        self.pool2 = nn.MaxPool1d(4)
        self.conv3 = nn.Conv1d(f2, f3, k3, bias=False)
        self.bn3, self.act3, self.drop3 = norm(f3), nn.ReLU(), nn.Dropout(dropout[2])
        self.pool3 = nn.MaxPool1d(4)
        self.conv4 = nn.Conv1d(f3, f4, k4, bias=False)
        self.bn4, self.act4, self.drop4 = norm(f4), nn.ReLU(), nn.Dropout(dropout[3])
        self.pool4 = nn.MaxPool1d(3, ceil_mode=True)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(f4 * length, hidden, bias=False)
        self.bn5, self.act5, self.drop5 = norm(hidden), nn.ReLU(), nn.Dropout(dropout[4])
        self.fc2 = nn.Linear(hidden, n_tasks)
        for module in self.modules():
            if isinstance(module, nn.Conv1d | nn.Linear):
                fan_in = module.weight[0].numel()
                std = (2.0 / fan_in) ** 0.5 / 0.87962566103423978  # Keras' truncated He normal
                nn.init.trunc_normal_(module.weight, std=std, a=-2 * std, b=2 * std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T)`` logits."""
        h = self.drop1(self.act1(self.bn1(self.conv1(x))))
        h = self.pool2(self.drop2(self.act2(self.bn2(self.conv2(h)))))
        h = self.pool3(self.drop3(self.act3(self.bn3(self.conv3(h)))))
        h = self.pool4(self.drop4(self.act4(self.bn4(self.conv4(h)))))
        h = self.drop5(self.act5(self.bn5(self.fc1(self.flatten(h)))))
        return self.fc2(h)

    def ism_split(self) -> tuple[list[nn.Module], Callable[[torch.Tensor], torch.Tensor]]:
        """The local layers (up to the last convolution block) and the rest, for fast ISM."""
        local = [
            self.conv1, self.bn1, self.act1, self.drop1,
            self.conv2, self.bn2, self.act2, self.drop2, self.pool2,
            self.conv3, self.bn3, self.act3, self.drop3, self.pool3,
            self.conv4, self.bn4, self.act4, self.drop4,
        ]  # fmt: skip
        head = nn.Sequential(self.pool4, self.flatten, self.fc1, self.bn5, self.act5, self.drop5, self.fc2)
        return local, head


class DeepSTARR(nn.Module):
    """DeepSTARR-style CNN (de Almeida et al., Nature Genetics 2022).

    Four convolution blocks (conv 'same', batch norm, ReLU, max pool 2), two dense
    blocks (linear, batch norm, ReLU, dropout) and a linear output.

    Parameters
    ----------
    n_tasks : int
        Outputs ``T`` (DeepSTARR: developmental and housekeeping enhancer activity).
    input_length : int, optional
        ``L`` (249 in the paper); fixes the flattened size.
    filters : tuple of int, optional
    kernel_sizes : tuple of int, optional
    hidden : int, optional
        Units of each dense layer.
    dropout : float, optional

    Notes
    -----
    Input ``(N, 4, L)``, output ``(N, T)`` (regression outputs, no activation).
    """

    def __init__(
        self,
        n_tasks: int,
        input_length: int = 249,
        filters: tuple[int, ...] = (256, 60, 60, 120),
        kernel_sizes: tuple[int, ...] = (7, 3, 5, 3),
        hidden: int = 256,
        dropout: float = 0.4,
    ) -> None:
        super().__init__()
        check(len(filters) == len(kernel_sizes), "filters and kernel_sizes differ in length", ModelError)
        blocks, channels, length = [], 4, input_length
        for width, kernel in zip(filters, kernel_sizes, strict=True):
            check(kernel % 2 == 1, f"kernel sizes must be odd ('same' padding), got {kernel}", ModelError)
            blocks += [nn.Conv1d(channels, width, kernel, padding=kernel // 2), nn.BatchNorm1d(width)]
            blocks += [nn.ReLU(), nn.MaxPool1d(2)]
            channels, length = width, length // 2
        check(length >= 1, f"input_length {input_length} is too short for {len(filters)} pools", ModelError)
        self.convs = nn.Sequential(*blocks)
        self.dense = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * length, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_tasks),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T)`` outputs."""
        return self.dense(self.convs(x))

    def ism_split(self) -> tuple[list[nn.Module], Callable[[torch.Tensor], torch.Tensor]]:
        """The local layers and the rest, for fast ISM."""
        return list(self.convs), self.dense


class DeepSEA(nn.Module):
    """DeepSEA/Beluga-style CNN (Zhou & Troyanskaya, Nature Methods 2015).

    Three 'valid' convolutions with ReLU, max pooling after the first two, dropout,
    then a dense layer and a linear output per chromatin feature.

    Parameters
    ----------
    n_tasks : int
        Outputs ``T`` (DeepSEA: 919 chromatin features).
    input_length : int, optional
        ``L`` (1000 in the paper).
    filters : tuple of int, optional
        Channels of the three convolutions.
    kernel_size : int, optional
        Width of every convolution.
    pool : int, optional
        Max-pool width after the first two convolutions.
    hidden : int, optional
    dropout : tuple of float, optional
        After the second and third convolution blocks.

    Notes
    -----
    Input ``(N, 4, L)``, output ``(N, T)`` logits (the paper applies a sigmoid).
    """

    def __init__(
        self,
        n_tasks: int,
        input_length: int = 1000,
        filters: tuple[int, int, int] = (320, 480, 960),
        kernel_size: int = 8,
        pool: int = 4,
        hidden: int = 925,
        dropout: tuple[float, float] = (0.2, 0.5),
    ) -> None:
        super().__init__()
        f1, f2, f3 = filters
        length = ((input_length - kernel_size + 1) // pool - kernel_size + 1) // pool - kernel_size + 1
        check(length >= 1, f"input_length {input_length} is too short for this network", ModelError)
        self.convs = nn.Sequential(
            nn.Conv1d(4, f1, kernel_size), nn.ReLU(), nn.MaxPool1d(pool),
            nn.Conv1d(f1, f2, kernel_size), nn.ReLU(), nn.MaxPool1d(pool), nn.Dropout(dropout[0]),
            nn.Conv1d(f2, f3, kernel_size), nn.ReLU(), nn.Dropout(dropout[1]),
        )  # fmt: skip
        self.dense = nn.Sequential(
            nn.Flatten(), nn.Linear(f3 * length, hidden), nn.ReLU(), nn.Linear(hidden, n_tasks)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T)`` logits."""
        return self.dense(self.convs(x))

    def ism_split(self) -> tuple[list[nn.Module], Callable[[torch.Tensor], torch.Tensor]]:
        """The local layers and the rest, for fast ISM."""
        return list(self.convs), self.dense


class BPNet(nn.Module):
    """BPNet-style profile model (Avsec et al., Nature Genetics 2021).

    A wide first convolution, a stack of dilated residual convolutions (dilation
    doubling each layer), a profile head (a wide convolution, cropped by ``flank``
    on each side) and a count head (global average pool, linear).

    Parameters
    ----------
    n_tasks : int
        Tracks ``T`` (e.g. strands or experiments).
    filters : int, optional
        Channels of every convolution.
    n_dilated : int, optional
        Residual layers; layer ``i`` has kernel 3 and dilation ``2**(i+1)``.
    first_kernel, profile_kernel : int, optional
        Widths of the first convolution and of the profile head (odd).
    flank : int, optional
        Positions cropped from each side of the profile output.

    Notes
    -----
    Input ``(N, 4, L)``; output ``(N, T, L - 2 * flank)``: the log of the expected
    read count at each position, ``log_softmax(profile logits) + log(total count)``,
    which combines both heads in one tensor (summing ``exp`` over a window gives
    the predicted counts in that window).
    """

    def __init__(
        self,
        n_tasks: int,
        filters: int = 64,
        n_dilated: int = 9,
        first_kernel: int = 21,
        profile_kernel: int = 75,
        flank: int = 0,
    ) -> None:
        super().__init__()
        for name, kernel in (("first_kernel", first_kernel), ("profile_kernel", profile_kernel)):
            check(kernel % 2 == 1, f"{name} must be odd, got {kernel}", ModelError)
        self.flank = flank
        self.first = nn.Conv1d(4, filters, first_kernel, padding=first_kernel // 2)
        self.dilated = nn.ModuleList(
            nn.Conv1d(filters, filters, 3, dilation=2 ** (i + 1), padding=2 ** (i + 1))
            for i in range(n_dilated)
        )
        self.relu = nn.ReLU()
        self.profile = nn.Conv1d(filters, n_tasks, profile_kernel, padding=profile_kernel // 2)
        self.counts = nn.Linear(filters, n_tasks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(N, 4, L)`` one-hot input to ``(N, T, L - 2 * flank)`` log expected counts."""
        h = self.relu(self.first(x))
        for conv in self.dilated:
            h = h + self.relu(conv(h))
        profile = self.profile(h)
        if self.flank:
            profile = profile[:, :, self.flank : -self.flank]
        log_counts = self.counts(h.mean(dim=-1))  # (N, T): log(1 + total count)
        return torch.log_softmax(profile, dim=-1) + log_counts[:, :, None]


#: name -> class. Extend by adding an entry; cards name architectures by these keys.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "conv_pool_cnn": ConvPoolCNN,
    "basset": Basset,
    "koo_cnn": KooCNN,
    "deepstarr": DeepSTARR,
    "deepsea": DeepSEA,
    "bpnet": BPNet,
    "spliceai_10k": SpliceAIEnsemble,  # replicas=1 is a single SpliceAI-10k network
}


def build_architecture(name: str, hyperparameters: dict) -> nn.Module:
    """Instantiate an allow-listed architecture.

    Parameters
    ----------
    name : str
        A key of :data:`ARCHITECTURES`.
    hyperparameters : dict
        Keyword arguments of that class.

    Returns
    -------
    torch.nn.Module
        Freshly initialised, in training mode.

    Raises
    ------
    ModelError
        Unknown name (the message lists the valid ones) or bad hyper-parameters.
    """
    check(
        name in ARCHITECTURES,
        f"architecture {name!r} is not on the allow-list; choose one of: " + ", ".join(sorted(ARCHITECTURES)),
        ModelError,
    )
    try:
        return ARCHITECTURES[name](**hyperparameters)
    except TypeError as exc:
        raise ModelError(f"bad hyper-parameters for architecture {name!r}: {exc}") from exc
