"""The SpliceAI ensemble on a device, ready to score variants quickly."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from genodash.device import choose_device
from genodash.errors import check
from genodash.genome import Genome
from genodash.spliceai.genes import GeneTable
from genodash.spliceai.incremental import Allele, AllelePredictions, predict_alleles
from genodash.spliceai.model import SpliceAIEnsemble
from genodash.spliceai.scoring import DEFAULT_DISTANCE, Progress, VariantRecord, VariantScores, score_records
from genodash.spliceai.stacked import StackedSpliceAI
from genodash.spliceai.weights import load_ensemble


class SpliceAIScorer:
    """Scores variants with the five-replica ensemble.

    Parameters
    ----------
    device : str or torch.device, optional
        ``None``/``"auto"``: CUDA, else MPS, else CPU (see :func:`genodash.device.choose_device`).
    batch_size : int, optional
        Alleles computed together; default 64 on CUDA, 8 elsewhere (larger batches
        gain nothing on a CPU and cost memory).
    ensemble : SpliceAIEnsemble, optional
        Already loaded weights; default: read from the installed ``spliceai`` package.

    Notes
    -----
    On CUDA the replicas run as grouped convolutions; on a CPU one convolution per
    replica is faster with oneDNN.
    """

    def __init__(
        self,
        device: str | torch.device | None = None,
        *,
        batch_size: int | None = None,
        ensemble: SpliceAIEnsemble | None = None,
    ) -> None:
        self.device = choose_device(device)
        default_batch = 64 if self.device.type == "cuda" else 8
        self.batch_size = default_batch if batch_size is None else batch_size
        check(self.batch_size >= 1, f"batch_size must be at least 1, got {self.batch_size}")
        ensemble = ensemble if ensemble is not None else load_ensemble("cpu")
        self.net = StackedSpliceAI(ensemble, fold=self.device.type == "cuda").to(self.device).eval()

    def predict(self, frame: torch.Tensor, alleles: list[Allele], window_length: int) -> AllelePredictions:
        """Reference and allele predictions for one frame; see :func:`predict_alleles`."""
        return predict_alleles(self.net, frame, alleles, window_length, batch_size=self.batch_size)

    def score(
        self,
        records: Sequence[VariantRecord],
        genome: Genome,
        genes: GeneTable,
        *,
        distance: int = DEFAULT_DISTANCE,
        mask: bool = False,
        progress: Progress | None = None,
    ) -> list[VariantScores]:
        """Score records as ``spliceai -D distance -M mask``; see :func:`score_records`."""
        return score_records(
            records,
            genome,
            genes,
            self.predict,
            distance=distance,
            mask=mask,
            max_locus_alleles=max(128, 4 * self.batch_size),
            progress=progress,
        )
