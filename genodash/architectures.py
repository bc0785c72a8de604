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
        layers, head = self.ism_split()
        for layer in layers:
            x = layer(x)
        return head(x)

    def ism_split(self) -> tuple[list[nn.Module], Callable[[torch.Tensor], torch.Tensor]]:
        """The local (position-wise windowable) layers and the rest, for fast ISM."""
        local = [self.conv1, self.bn1, self.act1, self.pool1, self.drop1, self.conv2, self.bn2, self.act2]
        return local, self._head

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop2(self.act3(self.fc1(h.amax(dim=-1)))))


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


#: name -> class. Extend by adding an entry; cards name architectures by these keys.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "conv_pool_cnn": ConvPoolCNN,
    "basset": Basset,
    "koo_cnn": KooCNN,
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
