"""The official SpliceAI command line against `genodash spliceai`: same VCF, same weights, end to end.

The official tool (spliceai==1.3.1 on tensorflow-cpu 2.15.1) must be installed in its own
virtual environment, never in genodash's::

    python3 -m venv /tmp/spliceai-tf
    /tmp/spliceai-tf/bin/pip install tensorflow-cpu==2.15.1 spliceai==1.3.1 "setuptools<70"

The VCF: the ten HBB-locus variants of data/hbb_locus plus seeded random SNVs inside the
five globin transcripts of that record (U01317.1). Both tools are first run once and their
outputs compared (they must be identical, byte for byte); then each is timed as a fresh
process (start-up, model loading and all), the two alternating. The ratio is printed last.

Usage: .venv/bin/python bench/spliceai_vcf.py [--official /tmp/spliceai-tf/bin/spliceai]
       [--snvs 50] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HBB = ROOT / "data" / "hbb_locus"


def make_vcf(path: Path, n_snvs: int, seed: int) -> int:
    """The HBB variants plus ``n_snvs`` random SNVs in the globin transcripts; returns the record count."""
    lines = (HBB / "hbb_variants.vcf").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    records = [line.split("\t") for line in lines if not line.startswith("#")]
    seq = "".join(line.strip() for line in (HBB / "U01317.1.fa").read_text().splitlines()[1:]).upper()
    genes = [line.split("\t") for line in (HBB / "annotation_spliceai.txt").read_text().splitlines()[1:]]
    rng = random.Random(seed)
    for k in range(n_snvs):
        gene = genes[k % len(genes)]
        pos = rng.randint(int(gene[3]) + 1, int(gene[4]))
        ref = seq[pos - 1]
        alt = rng.choice([b for b in "ACGT" if b != ref])
        records.append(["U01317.1", str(pos), f"{gene[0]}_snv{k}", ref, alt, ".", ".", "."])
    records.sort(key=lambda r: int(r[1]))
    path.write_text("\n".join(header + ["\t".join(r) for r in records]) + "\n")
    return len(records)


def run(cmd: list[str], env: dict[str, str]) -> float:
    """Wall time of one fresh process, in seconds; fails loudly."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--official", default="/tmp/spliceai-tf/bin/spliceai", help="the official spliceai script"
    )
    parser.add_argument("--snvs", type=int, default=50, help="random SNVs added to the ten HBB variants")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs of each tool")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not Path(args.official).is_file():
        sys.exit(f"official spliceai not found at {args.official}; see this script's docstring")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    with tempfile.TemporaryDirectory(prefix="spliceai-bench-") as tmp:
        tmp = Path(tmp)
        shutil.copy(HBB / "U01317.1.fa", tmp / "genome.fa")  # the official tool writes a .fai beside it
        n = make_vcf(tmp / "in.vcf", args.snvs, args.seed)
        common = ["-R", str(tmp / "genome.fa"), "-A", str(HBB / "annotation_spliceai.txt")]
        vcf = str(tmp / "in.vcf")
        tools = {
            "official spliceai (TensorFlow)": lambda out: [args.official, "-I", vcf, "-O", out],
            "genodash spliceai (PyTorch)": lambda out: [
                sys.executable, "-m", "genodash", "spliceai", "-I", vcf, "-O", out, "--quiet",
            ],
        }  # fmt: skip
        print(f"VCF: {n} records on U01317.1 (10 HBB-locus variants + {args.snvs} random SNVs in 5 genes)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
        outputs = {}
        for name, cmd in tools.items():
            out = str(tmp / f"{len(outputs)}.vcf")
            elapsed = run(cmd(out) + common, env)
            outputs[name] = Path(out).read_text()
            print(f"check run, {name}: {elapsed:.1f} s")
        official, ours = outputs.values()
        if official != ours:
            diff = [(a, b) for a, b in zip(official.splitlines(), ours.splitlines()) if a != b]
            sys.exit(f"outputs differ in {len(diff)} lines; first: {diff[:2]}")
        scored = sum("SpliceAI=" in line for line in ours.splitlines() if not line.startswith("#"))
        print(f"outputs identical ({scored} of {n} records annotated); timing {args.repeats} run(s) each")
        times: dict[str, list[float]] = {name: [] for name in tools}
        for repeat in range(args.repeats):
            order = list(tools) if repeat % 2 == 0 else list(reversed(tools))
            for name in order:
                times[name].append(run(tools[name](str(tmp / "timed.vcf")) + common, env))
                print(f"  {name}: {times[name][-1]:.1f} s")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name}: median {median:.1f} s, {n / median * 3600:,.0f} records/hour")
    slow, fast = medians.values()
    print(f"ratio (official / genodash, end to end): {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
