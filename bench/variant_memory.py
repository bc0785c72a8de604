"""`genodash score` keeps memory flat as the VCF grows: peak RSS at 1k, 10k and 100k SNVs.

A synthetic reference (two contigs, 3 Mbp, seeded RNG) and VCFs of 1,000, 10,000 and
100,000 SNVs against it (REF taken from the reference, so they are scored; about 3%
rejected on purpose: REF mismatches, an unknown contig, symbolic ALTs; one genotype
column each, which the output drops) are written to a temporary directory. Each VCF
is scored by ``python -m genodash score -m oct4-mafk`` in a fresh process; its peak RSS
comes from ``os.wait4`` (that child's own rusage), with the wall time and variants/s.

Baseline: the same library used naively in a fresh process (``--naive``): the whole
VCF read into a list, every variant checked, every score collected in a list, then
written. Its memory grows with the VCF (each score keeps its REF/ALT windows), so it
runs on the smaller sizes only (``--naive-max``). Outputs are checked identical first.

The ratio of peak RSS at the largest size to the smallest is printed last (target: ~1.0).

Usage: .venv/bin/python bench/variant_memory.py [--sizes 1000 10000 100000] [--naive-max 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTIGS = {"chr1": 2_000_000, "chr2": 1_000_000}
MODEL = "oct4-mafk"


def make_reference(path: Path, seed: int = 1) -> dict[str, str]:
    """Write a FASTA of random contigs (60 nt per line); return the sequences."""
    rng = random.Random(seed)
    seqs = {name: "".join(rng.choices("ACGT", k=length)) for name, length in CONTIGS.items()}
    with path.open("w") as handle:
        for name, seq in seqs.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                handle.write(seq[i : i + 60] + "\n")
    return seqs


def make_vcf(path: Path, seqs: dict[str, str], n: int, seed: int = 2) -> None:
    """``n`` SNVs spread over the contigs, sorted; ~1% REF mismatch, ~1% unknown contig, ~1% symbolic."""
    rng = random.Random(seed)
    total = sum(len(s) for s in seqs.values())
    rows = []
    for k in range(n):
        at = rng.randrange(total)
        chrom = next(iter(seqs))
        for name, seq in seqs.items():
            chrom = name
            if at < len(seq):
                break
            at -= len(seq)
        pos = at + 1
        ref = seqs[chrom][at]
        alt = rng.choice([b for b in "ACGT" if b != ref])
        roll = rng.random()
        if roll < 0.01:
            ref = alt  # REF mismatch (and ALT differs from it)
            alt = rng.choice([b for b in "ACGT" if b != ref])
        elif roll < 0.02:
            chrom = "chrUn_missing"
        elif roll < 0.03:
            alt = "<DEL>"
        rows.append((chrom, pos, f"v{k}", ref, alt))
    rows.sort(key=lambda r: (r[0], r[1]))
    with path.open("w") as handle:
        handle.write("##fileformat=VCFv4.2\n")
        for name, length in CONTIGS.items():
            handle.write(f"##contig=<ID={name},length={length}>\n")
        handle.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        handle.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE1\n")
        for chrom, pos, vid, ref, alt in rows:
            handle.write(f"{chrom}\t{pos}\t{vid}\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0/1\n")


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run one fresh process; return (wall seconds, peak RSS in MiB) from its own rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024  # Linux: KiB


def naive(vcf: str, reference: str, out: str) -> None:
    """The baseline: everything in lists, then written (same library, same output)."""
    from genodash.genome import Genome
    from genodash.models import load_model
    from genodash.variants import output
    from genodash.variants.checking import CheckedVariant, check_variant
    from genodash.variants.parsing import VcfStream
    from genodash.variants.record import Variant
    from genodash.variants.scoring import score_variants

    loaded = load_model(MODEL, "cpu")
    with VcfStream(vcf) as stream:
        records = list(stream)
    with Genome(reference) as genome:
        items = []
        for _, fields, entries in records:
            for entry in entries:
                if isinstance(entry, Variant):
                    items.append(
                        (check_variant(entry, genome, max_allele=loaded.card.input_length), entry, fields)
                    )
                else:
                    items.append((entry, None, fields))
        checked = [item for item, _, _ in items if isinstance(item, CheckedVariant)]
        scores = iter(list(score_variants(loaded, checked, genome, batch_size=64)))
    n_scores = len(output.score_columns(loaded.card))
    lines = [output.tsv_header(loaded.card)]
    for item, variant, fields in items:
        if isinstance(item, CheckedVariant):
            lines.append(output.score_row(next(scores)))
        else:
            lines.append(output.rejection_row(item, n_scores, variant=variant, fields=fields))
    Path(out).write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest size the baseline runs on")
    parser.add_argument("--naive", nargs=3, metavar=("VCF", "FASTA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive:
        naive(*args.naive)
        return
    python = sys.executable
    env_note = f"{os.cpu_count()} CPU cores, torch threads: default"
    print(f"genodash score -m {MODEL}: peak RSS as the VCF grows ({env_note})")
    with tempfile.TemporaryDirectory(prefix="genodash-bench-") as tmp:
        tmp = Path(tmp)
        fasta = tmp / "synthetic.fa"
        seqs = make_reference(fasta)
        results = []
        for n in args.sizes:
            vcf = tmp / f"snvs_{n}.vcf"
            make_vcf(vcf, seqs, n)
            out = tmp / f"out_{n}.tsv"
            cmd = [python, "-m", "genodash", "score", "-I", str(vcf), "-R", str(fasta), "-m", MODEL]
            seconds, rss = measure([*cmd, "-O", str(out), "--quiet", "--device", "cpu"])
            lines = out.read_text().splitlines()
            scored = sum(1 for line in lines[1:] if "\tscored\t" in line)
            row = {"n": n, "rows": len(lines) - 1, "scored": scored, "stream": (seconds, rss)}
            if n <= args.naive_max:
                naive_out = tmp / f"naive_{n}.tsv"
                row["naive"] = measure([python, __file__, "--naive", str(vcf), str(fasta), str(naive_out)])
                if naive_out.read_text() != out.read_text():
                    sys.exit(f"the baseline's output differs from genodash score's at {n} variants")
            results.append(row)
            naive_text = ""
            if "naive" in row:
                naive_text = f"   naive {row['naive'][1]:7.0f} MiB {row['naive'][0]:7.1f} s"
            print(
                f"{n:>8,} SNVs ({row['rows']:,} rows, {scored:,} scored): "
                f"streaming {rss:7.0f} MiB {seconds:7.1f} s {scored / seconds:7.0f} variants/s" + naive_text,
                flush=True,
            )
    print()
    print(
        f"{'variants':>10} {'peak RSS MiB':>13} {'time s':>8} {'variants/s':>11} "
        f"{'naive MiB':>10} {'naive s':>8}"
    )
    for row in results:
        seconds, rss = row["stream"]
        naive_mib, naive_s = (
            (f"{row['naive'][1]:.0f}", f"{row['naive'][0]:.1f}") if "naive" in row else ("-", "-")
        )
        print(
            f"{row['n']:>10,} {rss:>13.0f} {seconds:>8.1f} {row['scored'] / seconds:>11.0f} "
            f"{naive_mib:>10} {naive_s:>8}"
        )
    naive_rows = [r for r in results if "naive" in r]
    if len(naive_rows) >= 2:
        lo, hi = naive_rows[0], naive_rows[-1]
        print(
            f"naive baseline peak RSS at {hi['n']:,} vs {lo['n']:,}: {hi['naive'][1] / lo['naive'][1]:.2f}x "
            f"(streaming: {hi['stream'][1] / lo['stream'][1]:.2f}x)"
        )
    first, last = results[0], results[-1]
    print(
        f"peak RSS ratio, {last['n']:,} vs {first['n']:,} variants: "
        f"{last['stream'][1] / first['stream'][1]:.2f} (target: close to 1.0)"
    )


if __name__ == "__main__":
    main()
