"""The allow-list of network architectures a model card may name.

A registry maps a name to an ``nn.Module`` class. Cards give the name and the
hyper-parameters; weights come from safetensors. Nothing here loads code or
pickles from a file.
"""

from __future__ import annotations

import torch
from torch import nn

from genodash.errors import ModelError, check


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
        h = h.amax(dim=-1)
        return self.fc2(self.drop2(self.act3(self.fc1(h))))


#: name -> class. Extend by adding an entry; cards name architectures by these keys.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "conv_pool_cnn": ConvPoolCNN,
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
