"""SpliceAI-10k (Jaganathan et al., Cell 2019) in PyTorch, with the original weights.

Modules, one concept each:

- :mod:`~genodash.spliceai.model`: the network (one replica) and the five-replica ensemble
- :mod:`~genodash.spliceai.weights`: reading the original Keras ``.h5`` weights from the
  installed ``spliceai`` package (never imported, never shipped: CC BY-NC 4.0)
- :mod:`~genodash.spliceai.stacked`, :mod:`~genodash.spliceai.incremental`: the ensemble in
  one pass, and predicting many alleles of a locus recomputing only what each changes
- :mod:`~genodash.spliceai.genes`, :mod:`~genodash.spliceai.genome`, :mod:`~genodash.spliceai.vcf`:
  gene tables, reference FASTA, VCF text
- :mod:`~genodash.spliceai.encoding`, :mod:`~genodash.spliceai.scoring`: delta scores exactly as
  the official command line computes them; :mod:`~genodash.spliceai.scorer` ties it together
- :mod:`~genodash.spliceai.command`: ``genodash spliceai``, the drop-in command line
"""
