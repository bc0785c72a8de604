"""The ``genodash`` command line: one subcommand per task (``genodash spliceai ...``).

Subcommands live in a registry (name -> module with ``add_arguments(parser)`` and
``run(args) -> int``), so a new one is one entry. Heavy imports (torch) happen inside
``run``, so ``--help`` is instant (and ``genodash/__init__`` sets the OpenMP wait
policy before torch loads).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from genodash import __version__

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "spliceai": (
        "genodash.spliceai.command",
        "annotate a VCF with SpliceAI delta scores (drop-in for the spliceai command line)",
    ),
    "score": (
        "genodash.variants.command",
        "score every variant of a VCF with a zoo model into a TSV or a sites-only VCF, streaming",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand's arguments."""
    parser = argparse.ArgumentParser(prog="genodash", description="genodash command line tools.")
    parser.add_argument("--version", action="version", version=f"genodash {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        command = importlib.import_module(module)
        sub_parser = sub.add_parser(name, help=help_text, description=command.__doc__.split("\n\n")[0])
        command.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``genodash`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = build_parser().parse_args(argv)
    return args._module.run(args)


if __name__ == "__main__":
    sys.exit(main())
