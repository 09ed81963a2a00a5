"""The command line: a thin layer over :class:`cleaner.Cleaner`.

Standard output carries JSONL only; the progress bar, messages and the run
summary go to standard error. Exit codes: 0 every record processed, 1 some
input rejected, 2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
import uuid
from dataclasses import fields

import click

from ._version import __version__
from .config import Config
from .document import Reject
from .index import open_index
from .index.store import IndexUnusable
from .io.readers import expand, read_inputs
from .io.writers import RunOutputs, Writer
from .run.checkpoint import ResumeError, WorkDir, fingerprint
from .run.engines.local import default_workers
from .run.pipeline import Cleaner
from .run.streaming import stream as stream_results

EXIT_OK, EXIT_REJECTS = 0, 1  # click's own usage errors exit with 2

# Settings that have a flag of their own; every Config field can be set in the TOML file.
FLAGS = {
    "threshold": (float, "Word n-gram Jaccard at or above which two passages of 30 words or more are copies."),
    "shingle_size": (int, "Words per shingle of the Jaccard and containment checks."),
    "num_perm": (int, "MinHash permutations."),
    "bands": (int, "LSH bands."),
    "rows": (int, "LSH rows per band."),
    "keep": (click.Choice(["longest", "first", "source-priority"]),
             "Which copy of a document is kept: the longest (its passages first), the first seen, or the one "
             "from the host earliest in --source-priority."),
    "source_priority": (str, "Hosts whose copy is kept first, comma-separated, in order (with --keep source-priority)."),
    "furniture_min_docs": (int, "Documents a short line must recur in to count as site furniture."),
    "doc_time_limit": (float, "Seconds one document may take before it is rejected (0: no limit)."),
    "id_field": (str, "JSONL/Parquet field holding the record id."),
    "text_field": (str, "JSONL/Parquet field holding the text."),
    "html_field": (str, "JSONL/Parquet field holding HTML, used when the text field is absent."),
    "rules": (str, "TOML file of user rules and allow-listed lines (see README, Tuning)."),
    "strip_threshold": (float, "Boilerplate probability at or above which the line model removes a line (1: rules only)."),
    "line_model": (str, "Line model file from `cleaner train` (default: the model in the package)."),
}
# Flags spelled otherwise than their setting.
_FLAG_NAMES = {"line_model": "--model"}


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


def resolve_config(config_path: str | None, flags: dict) -> Config:
    """Defaults, then the TOML file, then the flags given on the command line."""
    values: dict = {}
    if config_path:
        try:
            with open(config_path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise click.UsageError(f"cannot read config {config_path}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise click.UsageError(f"{config_path}: not valid TOML: {exc}") from exc
        known = {f.name for f in fields(Config)}
        for key in data:
            if key not in known:
                raise click.UsageError(f"{config_path}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        for key in ("rules", "line_model"):  # a file named in a config file sits beside it
            if isinstance(data.get(key), str):
                data[key] = os.path.join(os.path.dirname(config_path), data[key])
        values.update(data)
    values.update({k: v for k, v in flags.items() if v is not None})
    try:
        return Config(**values)
    except (ValueError, TypeError) as exc:
        raise click.UsageError(str(exc)) from exc


def _config_options(f):
    defaults = Config()
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="TOML file of settings (any Config field); flags override it.")(f)
    for name, (kind, text) in reversed(FLAGS.items()):
        flag = _FLAG_NAMES.get(name, f"--{name.replace('_', '-')}")
        f = click.option(flag, name, type=kind, default=None, help=f"{text} [default: {getattr(defaults, name)}]")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def main() -> None:
    """Strip aggregator boilerplate from scraped news text and keep each passage once."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True,
              help="Output: - for stdout, a .jsonl file (.gz/.zst/.bz2 compress it) or a .parquet file.")
@click.option("--explain", "explain_path", default=None, help="Write every removed span, with its reason, to this JSONL file.")
@click.option("--rejects", "rejects_path", default=None,
              help="Write every record that could not be processed, with its reason, to this JSONL file.")
@click.option("--drop-duplicates", is_flag=True, help="Leave documents marked duplicate_of out of the output.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors: no run summary, no line per rejected record.")
@click.option("-v", "--verbose", is_flag=True, help="Add the dedup settings and the time of each phase to the summary.")
@click.option("--strict", is_flag=True, help="Stop at the first rejected record, with exit status 1.")
@click.option("--stream", is_flag=True,
              help="Write each result soon after its record is read, deduplicated against the records before it "
                   "(and --index) instead of the whole run; the first copy seen is kept (see README, Streaming).")
@click.option("-w", "--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core). The output is the same for any number.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run into the same -o FILE from its last checkpoint.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents between checkpoints of a run into -o FILE.")
@click.option("--checkpoint-seconds", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Least seconds between two checkpoints.")
@click.option("--index", "index_location", default=None,
              help="Dedup against every earlier run that used this index, and add this run to it: "
                   "a SQLite file PATH (created if missing) or redis://HOST:PORT/DB (shared by concurrent runs).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: worker processes on this machine; ray: the same stages on a Ray cluster "
                   "(pip install 'cleaner[ray]'). The output is the same.")
@click.option("--ray-address", default=None,
              help="Address of a running Ray cluster (ray://HOST:10001 or HOST:6379); default: a local one.")
@_config_options
def run(inputs, output, explain_path, rejects_path, drop_duplicates, progress, quiet, verbose, strict, stream,
        workers, resume, checkpoint_every, checkpoint_seconds, index_location, engine, ray_address, config_path,
        **flags):
    """Clean INPUTS into JSONL (or Parquet).

    INPUTS are files (.txt, .jsonl, .csv, .tsv, .html, .warc, .parquet, each
    optionally .gz/.zst/.bz2), folders (walked for those), or - for stdin
    (format and compression recognised from the first bytes). Each output record
    holds id, title, body, related, duplicate_of and metadata.

    A run dedups across all its records, so it reads every record before it
    writes the first result; --stream writes as it reads instead.

    A run into -o FILE checkpoints its first pass in FILE.cleaner-work/;
    --resume continues it after a crash, with the same output as an
    uninterrupted run. The run's counts are written to FILE.run.json.

    Exit status: 0 when every record was processed, 1 when some input was
    rejected (see --rejects) or --strict stopped the run, 2 on a usage error.
    """
    config = resolve_config(config_path, flags)
    _check_run_options(output, explain_path, rejects_path, resume, stream, engine, ray_address)
    seen_index = _open_run_index(index_location, config)
    bar = _Progress(sys.stderr.isatty() if progress is None else progress)
    cleaner = Cleaner(config, progress=bar, log=lambda message: click.echo(f"cleaner: {message}", err=True),
                      workers=workers or default_workers(), index=seen_index, engine=engine,
                      ray_address=ray_address)
    work = None if output == "-" or stream else WorkDir(output + ".cleaner-work")
    if work is not None and resume and not work.exists():
        click.echo(f"cleaner: no checkpoint in {work.path}: starting from the beginning", err=True)
    print_ = fingerprint(config.as_dict(), [p for p, _ in expand(list(inputs))])
    if "-" in inputs:
        print_ += "-stdin-" + uuid.uuid4().hex  # stdin is never the same input twice: no run is a rerun of it
    with RunOutputs(output, explain_path, rejects_path) as outputs:
        encode = _Encoder(outputs, drop_duplicates)
        records = read_inputs(list(inputs), config)
        if stream:
            items = stream_results(cleaner, records, fingerprint=print_, encode=encode)
        else:
            items = cleaner.run(records, work_dir=work, resume=resume, fingerprint=print_,
                                checkpoint_every=checkpoint_every, checkpoint_seconds=checkpoint_seconds,
                                commit_index=False, encode=encode)
        try:
            finished = _write_results(items, outputs, quiet, strict)
        except ResumeError as exc:
            raise click.UsageError(str(exc)) from exc
        except BrokenPipeError:
            _quiet_broken_pipe(bar)
            sys.exit(EXIT_REJECTS if cleaner.stats.rejected else EXIT_OK)
        finally:
            _stop(items)
            bar.close()
        if not finished:
            outputs.commit(only_rejects=True)
            if work is not None:
                work.clear()  # nothing was written: no run to resume
            click.echo("cleaner: stopped at the first rejected record (--strict); no output written", err=True)
            sys.exit(EXIT_REJECTS)
        outputs.commit()
    # Only once the output is durable: a crash before this leaves the index as it
    # was, and a rerun writes the same output again.
    cleaner.commit_index()
    stats = cleaner.stats
    if output != "-":
        write_run_metadata(output + ".run.json", stats, config, list(inputs))
    if not quiet:
        click.echo(stats.summary(verbose=verbose, duplicates_dropped=drop_duplicates), err=True)
    sys.exit(EXIT_REJECTS if stats.rejected else EXIT_OK)


def _check_run_options(output, explain_path, rejects_path, resume, stream, engine, ray_address) -> None:
    """Usage errors found before anything is read or written."""
    if resume and output == "-":
        raise click.UsageError("--resume needs -o FILE: a run into stdout cannot be continued")
    if resume and stream:
        raise click.UsageError("--resume goes with a whole run, not --stream")
    for option, path in (("--explain", explain_path), ("--rejects", rejects_path)):
        if path and path.lower().endswith(".parquet"):
            raise click.UsageError(f"{option} {path}: --explain and --rejects write JSONL")
    for option, path in (("-o", output), ("--explain", explain_path), ("--rejects", rejects_path)):
        if path and path != "-":
            check_writable(path, option)
    if engine == "ray":
        from .run.engines.ray import ray_available

        if not ray_available():
            raise click.UsageError("--engine ray needs Ray: pip install 'cleaner[ray]'")
    elif ray_address:
        raise click.UsageError("--ray-address goes with --engine ray")


def check_writable(path: str, option: str) -> None:
    """A usage error naming ``path`` unless a file can be written there."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise click.UsageError(f"{option} {path}: is a folder, not a file")
    if not os.path.isdir(directory):
        raise click.UsageError(f"{option} {path}: no such folder {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise click.UsageError(f"{option} {path}: cannot write in {directory}")


def _open_run_index(location: str | None, config: Config):
    if not location:
        return None
    if not location.startswith(("redis://", "rediss://", "unix://")):
        check_writable(location, "--index")
    try:
        return open_index(location, config)
    except IndexUnusable as exc:
        raise click.UsageError(str(exc)) from exc


class _Encoder:
    """Turns a result into what the outputs write; runs where the result is assembled,
    a forked worker's process included, so it must change nothing but its return value."""

    def __init__(self, outputs: RunOutputs, drop_duplicates: bool):
        self.out, self.explain, self.drop_duplicates = outputs.out, outputs.explain, drop_duplicates

    def __call__(self, result) -> tuple:
        dropped = self.drop_duplicates and result.duplicate_of is not None
        record = None if dropped else self.out.encode(result.to_json())
        removals = "".join(self.explain.encode(r.to_json()) for r in result.removals) if self.explain else ""
        return record, removals


def _write_results(items, outputs: RunOutputs, quiet: bool, strict: bool) -> bool:
    """Write every item of a run; False when --strict stopped it at a rejected record."""
    for item in items:
        if isinstance(item, Reject):
            if not quiet:
                click.echo(f"cleaner: rejected {item.source}: {item.reason} ({item.detail})", err=True)
            if outputs.rejects is not None:
                outputs.rejects.write(item.to_json())
            if strict:
                return False
            continue
        record, removals = item.output
        if removals:
            assert outputs.explain is not None  # the encoder makes removals only for an audit
            outputs.explain.write_text(removals)
        if record is not None:
            outputs.out.write_encoded(record)
    return True


def _quiet_broken_pipe(bar: _Progress) -> None:
    """The reader went away (`| head`): keep Python from complaining again when it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    bar.close()


def _stop(run_items) -> None:
    """Stop a run cut short now, its worker processes with it, not when the interpreter exits."""
    if run_items is not None:
        try:
            run_items.close()
        except Exception:
            pass


def write_run_metadata(path: str, stats, config: Config, inputs: list[str]) -> None:
    """The run's counts beside its output, so that the accounting travels with the file."""
    meta = {"cleaner": __version__, "inputs": inputs, "counts": stats.as_dict(), "balanced": stats.balanced(),
            "config": config.as_dict()}
    w = Writer(path, plain=True)
    w.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    w.commit()


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--workers", "worker_counts", default=None,
              help="Comma-separated worker counts to compare (default: 1 and every core).")
@click.option("--repeats", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs per setting; the median is shown.")
@click.option("--json", "json_path", default=None, help="Also write the measurements to this JSON file.")
def bench(inputs, worker_counts, repeats, json_path):
    """Time `cleaner run` on your own archive: speed, memory, index size, duplicate rate.

    Each run is a separate process, so its peak memory is its own. No truth is
    needed: the duplicate rate is what the run found.
    """
    from .run.bench import median_run

    counts = [int(x) for x in worker_counts.split(",")] if worker_counts else sorted({1, default_workers()})
    rows = []
    for w in counts:
        r = median_run(list(inputs), w, repeats)
        rows.append(r)
        dup_docs = r["duplicate_documents"] / max(1, r["documents"])
        dup_pass = r["duplicate_passages"] / max(1, r["passages"])
        click.echo(f"workers {w}: {r['seconds']} s, {r['docs_per_s']} docs/s, {r['mb_per_s']} MB/s, "
                   f"peak RSS {r['peak_rss_mb']} MB, index {r['index_bytes_per_passage']} B/passage, "
                   f"duplicates {dup_docs:.1%} of documents, {dup_pass:.1%} of passages")
    if len(rows) > 1:
        click.echo(f"speedup {rows[-1]['workers']} workers vs {rows[0]['workers']}: "
                   f"{rows[0]['seconds'] / rows[-1]['seconds']:.2f}x")
    if json_path:
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="The HTML file to write (self-contained: no network, no CDN).")
@click.option("--explain", "explain_path", default=None,
              help="Build from this --explain file of an earlier run instead of running again; INPUTS give the text.")
@click.option("--results", "results_path", default=None,
              help="With --explain: that run's JSONL output, for titles, related items and duplicate_of.")
@click.option("--page-size", type=click.IntRange(min=1), default=50, show_default=True, help="Documents per page.")
@click.option("-w", "--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: every core).")
@_config_options
def review(inputs, output, explain_path, results_path, page_size, workers, config_path, **flags):
    """Write an HTML page showing what a run of INPUTS removes, and why.

    Kept text is plain, removed spans are struck through and coloured by reason
    (hover: the rule; a duplicate links to the passage kept), with the corpus
    view: removals per reason, site furniture learned, duplicate clusters.
    """
    from .review.page import review_audit, review_run

    config = resolve_config(config_path, flags)
    check_writable(output, "-o")
    if results_path and not explain_path:
        raise click.UsageError("--results goes with --explain")
    if explain_path:
        try:
            page = review_audit(list(inputs), config, explain_path, results_path, page_size)
        except (OSError, ValueError, KeyError) as exc:
            raise click.UsageError(f"cannot read {explain_path} / {results_path or '-'}: {exc}") from exc
        note = f"the audit {explain_path}"
    else:
        page, stats = review_run(list(inputs), config, workers or default_workers(), page_size)
        note = f"{stats.documents} documents"
    w = Writer(output, plain=True)
    w.write_text(page)
    w.commit()
    click.echo(f"cleaner: review of {note} written to {output}", err=True)


@main.group("rules")
def rules_group() -> None:
    """Check a user rules file (see --rules)."""


@rules_group.command("test")
@click.argument("rules_file", type=click.Path(dir_okay=False))
@click.option("--golden", "golden_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Golden folder (or its input/ folder) to test on [default: the repository's golden/].")
def rules_test(rules_file, golden_dir):
    """Run the golden inputs with and without RULES_FILE and list every line that changes.

    Exit status 2 when the file does not load (a rule that does not compile, an
    unknown category: the message names the rule).
    """
    from .review.rules_test import compare_rules, default_golden, golden_inputs

    try:
        config = Config(rules=rules_file)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    inputs = golden_inputs(golden_dir) if golden_dir else default_golden()
    if inputs is None:
        raise click.UsageError("no golden/ folder beside the package: pass --golden DIR")
    report = compare_rules(config, inputs)
    names = [r.name for r in config.rules.rules] if config.rules is not None else []
    click.echo("\n".join(report.lines(names, rules_file)))


@main.command("train")
@click.argument("labels", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The model file to write; use it with `cleaner run --model FILE`.")
def train(labels, output):
    """Fit a line model from your own labelled lines (needs the `train` extra: scikit-learn).

    LABELS is JSONL, one line of a dump per row, e.g.
    {"doc": "a1", "line": 7, "text": "12 upvotes · 3 replies", "label": "boilerplate"}
    with "label" either "content" or "boilerplate" (README, Teaching the line model).
    """
    from .strip.linemodel.train import LabelError, read_labels, train_from_labels

    check_writable(output, "-o")
    try:
        documents = read_labels(labels)
        model, figures = train_from_labels(documents)
    except LabelError as exc:
        raise click.UsageError(str(exc)) from exc
    except ImportError as exc:
        raise click.UsageError(f"cleaner train needs scikit-learn: pip install 'cleaner[train]' ({exc})") from exc
    model.save(output)
    click.echo(f"cleaner: line model from {figures['documents']} documents ({figures['lines']} lines, "
               f"{figures['boilerplate']} boilerplate) written to {output}", err=True)


@main.command("config")
@_config_options
def show_config(config_path, **flags):
    """Print the resolved configuration (defaults, then --config FILE, then flags) as JSON."""
    click.echo(json.dumps(resolve_config(config_path, flags).as_dict(), indent=2))


@main.group()
def index() -> None:
    """Inspect an index across runs (--index)."""


@index.command("stats")
@click.argument("location")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def index_stats(location, as_json):
    """Passages, documents, runs, size on disk and settings of the index at LOCATION."""
    try:
        store = open_index(location, None, create=False)
    except IndexUnusable as exc:
        raise click.UsageError(str(exc)) from exc
    figures = store.stats()
    store.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2, sort_keys=True))
        return
    click.echo(f"index      {figures['index']} ({figures['store']})")
    click.echo(f"passages   {figures['passages']:,}")
    click.echo(f"documents  {figures['documents']:,}")
    click.echo(f"runs       {figures['runs']:,}")
    click.echo(f"size       {figures['size_bytes']:,} bytes ({figures['size_of']})")
    click.echo("settings   " + ", ".join(f"{k}={v}" for k, v in sorted(figures["settings"].items())))


if __name__ == "__main__":  # pragma: no cover
    main()
