"""genodash spliceai: annotate a VCF with SpliceAI delta scores, as the original command line does.

A drop-in for ``spliceai -I input.vcf -O output.vcf -R genome.fa -A grch38 [-D 50] [-M 0]``
(spliceai 1.3.1): the same options, the same ``SpliceAI=ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|
DP_AG|DP_AL|DP_DG|DP_DL`` INFO field and header line, the same scores, computed with the
original five models' weights in PyTorch.

This module imports nothing heavy at import time; :func:`run` does the work.
"""

from __future__ import annotations

import argparse
import sys
import time

#: Records read, scored and written at a time (loci are shared within a chunk).
CHUNK_RECORDS = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The original's options (-I -O -R -A -D -M) plus --device, --batch-size, --threads, --quiet."""
    parser.add_argument(
        "-I", metavar="input", default="-", help="input VCF (plain, gzip or bgzip); default: standard input"
    )
    parser.add_argument(
        "-O",
        metavar="output",
        default="-",
        help="output VCF (bgzip when the name ends in .gz); default: standard output",
    )
    parser.add_argument(
        "-R", metavar="reference", required=True, help="reference genome FASTA (plain or bgzip)"
    )
    parser.add_argument(
        "-A",
        metavar="annotation",
        required=True,
        help='"grch37" or "grch38" (GENCODE V24 canonical transcripts from the spliceai package), '
        "or a gene table in the same layout",
    )
    parser.add_argument(
        "-D",
        metavar="distance",
        type=int,
        default=50,
        choices=range(0, 5000),
        help="maximum distance between the variant and a gained/lost splice site (0-4999); default 50",
    )
    parser.add_argument(
        "-M",
        metavar="mask",
        type=int,
        default=0,
        choices=[0, 1],
        help="1: mask annotated acceptor/donor gains and unannotated losses; default 0",
    )
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA, else MPS, else CPU), cpu, cuda, cuda:1, mps"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="alleles computed together; default 64 on CUDA, 8 on a CPU",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="CPU threads for PyTorch; default: all cores"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def _count_records(path: str) -> int | None:
    """Data lines of the VCF (``None`` for standard input), for the progress bar."""
    from genodash.spliceai.vcf import open_text

    if path == "-":
        return None
    with open_text(path) as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith("#"))


def run(args: argparse.Namespace) -> int:
    """Annotate ``args.I`` into ``args.O``; return the exit code (0 ok, 2 bad input)."""
    from genodash.errors import InputError

    try:
        return _annotate(args)
    except InputError as exc:
        print(f"genodash spliceai: error: {exc}", file=sys.stderr)
        return 2


def _annotate(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from genodash.errors import check
    from genodash.genome import Genome
    from genodash.spliceai.genes import read_gene_table
    from genodash.spliceai.scorer import SpliceAIScorer
    from genodash.spliceai.vcf import VcfReader, VcfWriter, annotate_header, annotate_line

    started = time.perf_counter()
    if args.threads is not None:
        check(args.threads >= 1, f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    genes = read_gene_table(args.A)
    reader = VcfReader(args.I)
    total = _count_records(args.I)
    scorer = SpliceAIScorer(args.device, batch_size=args.batch_size)
    counts = {"records": 0, "annotated": 0, "alleles": 0, "messages": 0}
    with Genome(args.R) as genome:
        writer = VcfWriter(args.O)
        bar = tqdm(
            total=total, unit="record", desc="SpliceAI", disable=args.quiet, file=sys.stderr, mininterval=0.5
        )
        try:
            for line in annotate_header(reader.header):
                writer.write_line(line)
            chunk = []
            for vcf_line in reader:
                chunk.append(vcf_line)
                if len(chunk) == CHUNK_RECORDS:
                    _score_chunk(chunk, scorer, genome, genes, args, writer, bar, counts, annotate_line)
                    chunk = []
            if chunk:
                _score_chunk(chunk, scorer, genome, genes, args, writer, bar, counts, annotate_line)
        finally:
            bar.close()
            writer.close()
            reader.close()
    if not args.quiet:
        print(
            f"genodash spliceai: {counts['records']:,} records, {counts['annotated']:,} annotated, "
            f"{counts['alleles']:,} allele x gene scores, {counts['messages']:,} warnings; "
            f"{time.perf_counter() - started:.1f} s on {scorer.device}",
            file=sys.stderr,
        )
    return 0


def _score_chunk(chunk, scorer, genome, genes, args, writer, bar, counts, annotate_line) -> None:
    """Score one chunk of data lines and write them in order."""
    from tqdm import tqdm

    records = [line.record for line in chunk if line.record is not None]
    base = bar.n

    def progress(done: int, total: int) -> None:
        bar.n = base + round(len(chunk) * done / max(total, 1))
        bar.refresh()

    results = iter(
        scorer.score(records, genome, genes, distance=args.D, mask=bool(args.M), progress=progress)
    )
    for line in chunk:
        text = line.text
        messages = [line.problem] if line.problem else []
        if line.record is not None:
            result = next(results)
            messages += result.messages
            if result.scores:
                text = annotate_line(text, result.info_value())
                counts["annotated"] += 1
                counts["alleles"] += len(result.scores)
        for message in messages:
            tqdm.write(f"WARNING: {message}", file=sys.stderr)
        counts["messages"] += len(messages)
        writer.write_line(text)
    counts["records"] += len(chunk)
    bar.n = base + len(chunk)
    bar.refresh()
