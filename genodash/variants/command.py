"""genodash score: score every variant of a VCF with a zoo model, streaming, into a TSV table or a VCF.

``genodash score -I in.vcf -R ref.fa -m MODEL -O out.tsv|out.vcf[.gz]`` reads the VCF
line by line (plain, gzip or bgzip), checks each ALT allele against the reference
(contig names mapped ``chr1``/``1``, ``chrM``/``MT``; bounds; REF), predicts REF and
ALT windows in batches and writes rows as they come, so memory stays flat however
long the VCF is. Entries that cannot be scored (unreadable lines, unknown contigs,
REF mismatches, positions past a contig end, symbolic/breakend/``*`` alleles, alleles
longer than the model's input) become rows with status ``not scored`` and a reason
code; the rest are still scored. The output layouts are those of
:mod:`genodash.variants.output`. The VCF output is sites-only: the first eight columns,
one line per ALT allele; genotype columns (FORMAT and samples) are never copied.

With ``-m spliceai`` the official SpliceAI delta scores are computed instead (needs a
gene table ``-A``; ``-D``, ``-M`` as in ``genodash spliceai``).

This module imports nothing heavy at import time; :func:`run` does the work.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

#: VCF records read, checked, scored and written at a time (bounds memory).
CHUNK_RECORDS = 2000
#: Most records in one chunk of a zoo model's run (chunks end on whole batches, see ``_chunks``).
MAX_CHUNK_RECORDS = 8000
PROG = "genodash score"
_VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz")
_TSV_SUFFIXES = (".tsv", ".tsv.gz", ".tsv.bgz", ".txt", ".txt.gz", ".tab")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """-I -R -m -O, SpliceAI's -A -D -M, and --format --batch-size --device --threads --quiet."""
    parser.add_argument(
        "-I", metavar="input", default="-", help="input VCF (plain, gzip or bgzip); default: standard input"
    )
    parser.add_argument(
        "-R", metavar="reference", required=True, help="reference genome FASTA (plain or bgzip)"
    )
    parser.add_argument(
        "-m",
        metavar="model",
        required=True,
        help="a zoo model name (e.g. oct4-mafk, koo-task3, spliceai) or a model folder holding "
        "card.json and weights.safetensors",
    )
    parser.add_argument(
        "-O",
        metavar="output",
        default="-",
        help="output: a .tsv table (one row per ALT allele, rejected ones included) or a sites-only "
        ".vcf (first eight columns, one line per ALT allele, scores in INFO; genotype columns are "
        "never copied); .gz names are bgzipped; default: TSV on standard output",
    )
    parser.add_argument(
        "--format",
        choices=["auto", "tsv", "vcf"],
        default="auto",
        help="output layout; default: from the -O name (.tsv/.txt or .vcf, optionally .gz)",
    )
    parser.add_argument(
        "-A",
        metavar="annotation",
        default=None,
        help='SpliceAI only (required there): gene table, "grch37", "grch38" or a file in that layout',
    )
    parser.add_argument(
        "-D",
        metavar="distance",
        type=int,
        default=None,
        choices=range(0, 5000),
        help="SpliceAI only: maximum distance to a gained/lost splice site (0-4999); default 50",
    )
    parser.add_argument(
        "-M",
        metavar="mask",
        type=int,
        default=None,
        choices=[0, 1],
        help="SpliceAI only: 1 masks annotated-site gains and unannotated losses; default 0",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="variants per forward pass; default 64 (SpliceAI: alleles, 64 on CUDA, 8 on a CPU)",
    )
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA, else MPS, else CPU), cpu, cuda, cuda:1, mps"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="CPU threads for PyTorch; default: all cores"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def run(args: argparse.Namespace) -> int:
    """Score ``args.I`` into ``args.O``; return the exit code (0 ok, 2 bad input, 1 cannot write)."""
    from genodash.errors import InputError

    try:
        return _score(args)
    except InputError as exc:
        message = " ".join(str(exc).replace("\n- ", "; ").split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1


def output_format(path: str, requested: str) -> str:
    """``"tsv"`` or ``"vcf"``: as requested, else from the output name (standard output: TSV)."""
    from genodash.errors import check

    if requested != "auto":
        return requested
    if path == "-":
        return "tsv"
    name = path.lower()
    if name.endswith(_VCF_SUFFIXES):
        return "vcf"
    check(
        name.endswith(_TSV_SUFFIXES),
        f"cannot tell the output layout from the name {path!r}; end it in .tsv or .vcf "
        "(optionally .gz), or pass --format tsv|vcf",
    )
    return "tsv"


def count_records(path: str) -> int | None:
    """Data lines of a VCF file, for the progress bar (``None`` for standard input or unreadable files)."""
    if path == "-" or not Path(path).is_file():
        return None
    try:
        with Path(path).open("rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rb") as handle:
            return sum(1 for line in handle if line.strip() and not line.startswith(b"#"))
    except (OSError, EOFError, zlib.error):
        return None


def _open_model(spec: str, device):
    """The card, and the loaded model (``None`` for SpliceAI, which has its own scorer)."""
    from genodash.errors import ModelError, check
    from genodash.models import build_model, list_models, load_model, read_card, unavailable_reason
    from genodash.user_models import weights_problem
    from genodash.variants.splicing import is_spliceai

    folder = Path(spec)
    zoo = list_models()
    if spec not in zoo and (folder / "card.json").is_file():
        card = read_card(folder / "card.json")
        check(
            not card.weights_source,
            f"model folder {folder}: a card naming a weights_source must be installed in the zoo",
            ModelError,
        )
        weights_path = folder / (card.weights_file or "weights.safetensors")
        check(weights_path.is_file(), f"model folder {folder} has no {weights_path.name}", ModelError)
        weights = weights_path.read_bytes()
        problem = weights_problem(weights_path.name, weights)
        check(problem is None, problem or "", ModelError)
        return card, build_model(card, weights, device)
    check(
        spec in zoo,
        f"no model named {spec!r} and no folder with a card.json there; zoo models: {', '.join(zoo)}",
        ModelError,
    )
    card = read_card(zoo[spec] / "card.json")
    if is_spliceai(card):
        reason = unavailable_reason(card)
        check(reason is None, f"model '{spec}' is unavailable: {reason}", ModelError)
        return card, None
    return card, load_model(spec, device)


def _score(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from genodash import __version__
    from genodash.device import choose_device
    from genodash.errors import check
    from genodash.genome import Genome
    from genodash.spliceai.vcf import VcfWriter
    from genodash.variants.parsing import VcfStream

    started = time.perf_counter()
    check(args.threads is None or args.threads >= 1, f"--threads must be at least 1, got {args.threads}")
    check(
        args.batch_size is None or args.batch_size >= 1,
        f"--batch-size must be at least 1, got {args.batch_size}",
    )
    layout = output_format(args.O, args.format)
    if args.O != "-":
        parent = Path(args.O).resolve().parent
        check(parent.is_dir(), f"the output folder {parent} does not exist")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    source = sys.stdin.buffer if args.I == "-" else args.I
    total = count_records(args.I)
    counts: Counter[str] = Counter()
    with VcfStream(source, name="standard input" if args.I == "-" else None) as vcf, Genome(args.R) as genome:
        card, loaded = _open_model(args.m, device)
        splicing = loaded is None
        unused = [
            flag for flag, value in (("-A", args.A), ("-D", args.D), ("-M", args.M)) if value is not None
        ]
        if not splicing and unused and not args.quiet:
            print(f"{PROG}: warning: {', '.join(unused)} only apply to SpliceAI; ignored", file=sys.stderr)
        genes = _gene_table(args.A) if splicing else None
        scorer = None
        if splicing:
            from genodash.spliceai.scorer import SpliceAIScorer

            scorer = SpliceAIScorer(device, batch_size=args.batch_size)
        extra = [
            f"##genodash_scoreCommand=genodash {__version__} score -m {card.name} (version {card.version})"
        ]
        writer = VcfWriter(args.O)
        bar = tqdm(
            total=total, unit="record", desc=card.name, disable=args.quiet, file=sys.stderr, mininterval=0.5
        )
        ok = False
        try:
            sink = _Sink(writer, layout, card, vcf.header.meta, extra, splicing=splicing)
            if splicing:
                _run_splicing(vcf, scorer, genome, genes, card, args, sink, bar, counts)
            else:
                _run_model(vcf, loaded, genome, args, sink, bar, counts)
            ok = True
        finally:
            bar.close()
            writer.close()
            if not ok and args.O != "-":
                Path(args.O).unlink(missing_ok=True)
    if not args.quiet:
        _summary(counts, time.perf_counter() - started, device, card.name)
    return 0


def _gene_table(annotation: str | None):
    from genodash.errors import check
    from genodash.spliceai.genes import BUILT_IN, read_gene_table

    check(
        annotation is not None,
        "SpliceAI scores need a gene table: add -A grch37, -A grch38 or -A <file in the SpliceAI layout>",
    )
    return read_gene_table(annotation.lower() if annotation.lower() in BUILT_IN else annotation)


def _summary(counts, seconds: float, device, model: str) -> None:
    scored = counts.pop("_scored", 0)
    records = counts.pop("_records", 0)
    rejected = sum(counts.values())
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in counts.most_common())
    rate = f", {scored / seconds:,.0f} variants/s" if seconds > 0 and scored else ""
    print(
        f"{PROG}: {records:,} records, {scored + rejected:,} variants: {scored:,} scored, "
        f"{rejected:,} not scored" + (f" ({reasons})" if reasons else "") + f"; model {model}; "
        f"{seconds:.1f} s on {device}{rate}",
        file=sys.stderr,
    )


class _Sink:
    """Writes rows in the chosen layout (TSV or sites-only VCF) through :mod:`genodash.variants.output`."""

    def __init__(self, writer, layout: str, card, meta, extra, *, splicing: bool) -> None:
        from genodash.variants import output

        self.out = output
        self.writer = writer
        self.vcf = layout == "vcf"
        self.splicing = splicing
        self.numbers = output.info_numbers(meta)
        self.key = output.SPLICEAI_KEY if splicing else output.INFO_KEY
        self.n_scores = len(output.SPLICEAI_COLUMNS) if splicing else len(output.score_columns(card))
        if self.vcf:
            header = (
                output.splice_vcf_header(meta, extra=extra)
                if splicing
                else output.score_vcf_header(meta, card, extra=extra)
            )
        else:
            header = [output.splice_tsv_header() if splicing else output.tsv_header(card)]
        for line in header:
            writer.write_line(line)

    def _site(self, fields, allele):
        from tqdm import tqdm

        site = self.out.site_fields(fields, allele, self.numbers)
        if site is None:
            shown = "\t".join(fields)[:60]
            tqdm.write(
                f"{PROG}: warning: {shown!r} is not a VCF record; left out of the VCF output", file=sys.stderr
            )
        return site

    def rejected(self, rejection, fields, allele, variant=None) -> None:
        """An entry not scored (``allele``: its ALT index, ``None`` for the whole record)."""
        if self.vcf:
            site = self._site(fields, allele)
            if site is not None:
                self.writer.write_line(self.out.rejected_vcf_line(site, rejection.reason, key=self.key))
        else:
            line = self.out.rejection_row(rejection, self.n_scores, variant=variant, fields=fields)
            self.writer.write_line(line)

    def scored(self, score, fields, allele) -> None:
        """A variant scored by a zoo model."""
        if self.vcf:
            site = self._site(fields, allele)
            if site is not None:
                self.writer.write_line(self.out.score_vcf_line(site, score))
        else:
            self.writer.write_line(self.out.score_row(score))

    def spliced(self, variant, result, fields, allele) -> None:
        """A variant sent to SpliceAI."""
        if self.vcf:
            site = self._site(fields, allele)
            if site is not None:
                self.writer.write_line(self.out.splice_vcf_line(site, variant, result))
        else:
            for line in self.out.splice_rows(variant, result):
                self.writer.write_line(line)


def _chunks(vcf, genome, max_allele: int, batch_size: int | None = None):
    """Chunks of records: ``(fields, [(allele, item, variant)])`` each.

    ``item`` is a CheckedVariant or a Rejection; ``allele`` the ALT index (``None`` when
    one rejection covers the whole record); ``variant`` the Variant a check rejected.
    A chunk ends after :data:`CHUNK_RECORDS` records or, with ``batch_size``, as soon as
    it holds a whole number of batches of checked variants (about ``CHUNK_RECORDS``), so
    every forward pass but the very last has the same shape (no new kernel plans per
    chunk); :data:`MAX_CHUNK_RECORDS` bounds a chunk of mostly rejected records.
    """
    from genodash.variants.checking import CheckedVariant, check_variant
    from genodash.variants.record import Variant

    target = None if batch_size is None else max(1, CHUNK_RECORDS // batch_size) * batch_size
    limit = CHUNK_RECORDS if target is None else MAX_CHUNK_RECORDS
    chunk = []
    n_checked = 0
    for _, fields, entries in vcf:
        n_alts = len(fields[4].split(",")) if len(fields) >= 5 else 1
        whole = len(entries) != n_alts
        items = []
        for allele, entry in enumerate(entries):
            index = None if whole else allele
            if isinstance(entry, Variant):
                checked = check_variant(entry, genome, max_allele=max_allele)
                n_checked += isinstance(checked, CheckedVariant)
                items.append((index, checked, entry))
            else:
                items.append((index, entry, None))
        chunk.append((fields, items))
        if len(chunk) >= limit or (
            target is not None and n_checked >= target and n_checked % batch_size == 0
        ):
            yield chunk
            chunk = []
            n_checked = 0
    if chunk:
        yield chunk


def _run_model(vcf, loaded, genome, args, sink: _Sink, bar, counts: Counter) -> None:
    """Zoo models: each chunk's checked variants through the score_variants generator, rows as they come."""
    from genodash.variants.checking import CheckedVariant
    from genodash.variants.scoring import score_variants

    batch_size = args.batch_size or 64
    for chunk in _chunks(vcf, genome, loaded.card.input_length, batch_size):
        checked = [item for _, items in chunk for _, item, _ in items if isinstance(item, CheckedVariant)]
        scores = score_variants(loaded, checked, genome, batch_size=batch_size)
        for fields, items in chunk:
            for allele, item, variant in items:
                if isinstance(item, CheckedVariant):
                    sink.scored(next(scores), fields, allele)
                    counts["_scored"] += 1
                else:
                    sink.rejected(item, fields, allele, variant)
                    counts[item.reason] += 1
            counts["_records"] += 1
            bar.update(1)


def _chunk_progress(bar, base: int, size: int):
    """``progress(done, total)`` that moves the bar across one chunk of ``size`` records."""

    def progress(done: int, total: int) -> None:
        bar.n = base + round(0.99 * size * done / max(total, 1))
        bar.refresh()

    return progress


def _run_splicing(vcf, scorer, genome, genes, card, args, sink: _Sink, bar, counts: Counter) -> None:
    """SpliceAI: official delta scores, chunk by chunk (loci shared within a chunk)."""
    from genodash.variants import output
    from genodash.variants.checking import CheckedVariant
    from genodash.variants.splicing import score_splicing

    distance = 50 if args.D is None else args.D
    mask = bool(args.M)
    for chunk in _chunks(vcf, genome, card.input_length):
        checked = [item for _, items in chunk for _, item, _ in items if isinstance(item, CheckedVariant)]
        base = bar.n
        progress = _chunk_progress(bar, base, len(chunk))
        results = iter(
            score_splicing(scorer, checked, genome, genes, distance=distance, mask=mask, progress=progress)
        )
        for fields, items in chunk:
            for allele, item, variant in items:
                if isinstance(item, CheckedVariant):
                    result = next(results)
                    sink.spliced(item.variant, result, fields, allele)
                    counts[output.splice_status(item.variant, result)] += 1
                else:
                    sink.rejected(item, fields, allele, variant)
                    counts[item.reason] += 1
            counts["_records"] += 1
        bar.n = base + len(chunk)
        bar.refresh()
