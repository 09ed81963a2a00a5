"""The command line: a thin layer over :class:`cleaner.Cleaner`.

Standard output carries JSONL only; the progress bar and the run summary go to
standard error. Exit codes: 0 every record processed, 1 some input rejected,
2 usage error.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .config import Config
from .document import Reject
from .pipeline import Cleaner
from .readers import read_inputs
from .writers import dumps, jsonl_output

EXIT_OK, EXIT_REJECTS, EXIT_USAGE = 0, 1, 2


class _Progress:
    """tqdm bars on stderr, one per pass; nothing when disabled."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, stage: str, n: int) -> None:
        if not self.enabled:
            return
        if stage not in self.bars:
            from tqdm import tqdm

            for bar in self.bars.values():
                bar.close()
            self.bars[stage] = tqdm(desc=stage, unit="doc", file=sys.stderr, leave=False)
        self.bars[stage].update(n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def main() -> None:
    """Strip aggregator boilerplate from scraped news text and keep each passage once."""


def _config_options(f):
    defaults = Config()
    options = [
        click.option("--threshold", type=float, default=defaults.threshold, show_default=True,
                     help="Word n-gram Jaccard at or above which two passages are copies."),
        click.option("--shingle-size", type=int, default=defaults.shingle_size, show_default=True,
                     help="Words per shingle."),
        click.option("--num-perm", type=int, default=defaults.num_perm, show_default=True,
                     help="MinHash permutations."),
        click.option("--bands", type=int, default=defaults.bands, show_default=True, help="LSH bands."),
        click.option("--rows", type=int, default=defaults.rows, show_default=True, help="LSH rows per band."),
        click.option("--furniture-min-docs", type=int, default=defaults.furniture_min_docs, show_default=True,
                     help="Documents a short line must recur in to count as site furniture."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True, help="JSONL output file, or - for stdout.")
@click.option("--explain", "explain_path", default=None, help="Write every removed span, with its reason, to this JSONL file.")
@click.option("--rejects", "rejects_path", default=None, help="Write every record that could not be processed to this JSONL file.")
@click.option("--drop-duplicates", is_flag=True, help="Leave documents marked duplicate_of out of the output.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="No run summary on stderr.")
@_config_options
def run(inputs, output, explain_path, rejects_path, drop_duplicates, progress, quiet, **settings):
    """Clean INPUTS (files, folders of .txt/.jsonl/.jsonl.gz, or - for stdin) into JSONL.

    Each output line holds id, title, body, related, duplicate_of and metadata.
    Exit status: 0 when every record was processed, 1 when some input was
    rejected (see --rejects), 2 on a usage error.
    """
    try:
        config = Config(**settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(show)
    cleaner = Cleaner(config, progress=bar)
    records = read_inputs(list(inputs))
    try:
        with jsonl_output(output) as out, jsonl_output(explain_path) as explain, \
                jsonl_output(rejects_path) as rejects:
            for item in cleaner.run(records):
                if isinstance(item, Reject):
                    click.echo(f"cleaner: rejected {item.source}: {item.reason} ({item.detail})", err=True)
                    if rejects is not None:
                        rejects.write(dumps(item.to_json()) + "\n")
                    continue
                if explain is not None:
                    for removal in item.removals:
                        explain.write(dumps(removal.to_json()) + "\n")
                if drop_duplicates and item.duplicate_of is not None:
                    continue
                out.write(dumps(item.to_json()) + "\n")
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        bar.close()
        sys.exit(EXIT_OK)
    bar.close()
    stats = cleaner.stats
    if not quiet:
        click.echo(stats.summary(), err=True)
    sys.exit(EXIT_REJECTS if stats.rejected else EXIT_OK)


@main.command("config")
def show_config():
    """Print the default configuration as JSON."""
    click.echo(json.dumps(Config().as_dict(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
