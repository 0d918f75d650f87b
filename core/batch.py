"""One command over many inputs, on a local process pool or a Ray cluster, resumable.

Each input (and each variant: one short in 9:16 and one in 1:1, say) is a task that runs the
command exactly as ``reelsmith COMMAND ...`` would for that one file, through the same parser
and code, so a batch's outputs are those of single-file runs. The driver alone writes the
manifest (``reelsmith-batch.json`` beside the outputs), atomically, after every change of
state; commands write their outputs atomically too. So a batch killed at any moment resumes,
with the same command line, where it stopped:

- a task recorded done whose output is there is never run again;
- a task recorded running whose output is there finished after the last record: it is done;
- anything else runs (again). A failed task keeps its one-line reason in the manifest until
  then, and never stops the others.

An output that is already there but that this batch did not make is never overwritten: the
task fails and says so.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import logging
import os
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import ReelsmithError
from core.fileio import atomic_write_bytes, describe_os_error

log = logging.getLogger(__name__)

MANIFEST = "reelsmith-batch.json"
FORMAT = "reelsmith-batch"


class BatchError(ReelsmithError):
    """A batch could not start or go on (not a single file's failure: those are recorded)."""


@dataclass(frozen=True)
class Command:
    """How one input becomes argv for a single-file run, and what it writes."""

    suffix: str  # of the output file
    argv: Callable[[str, str], list[str]]  # (input, output) -> the command's own arguments
    prints_output: bool = False  # the output is what the command prints (scenes --json)


COMMANDS: dict[str, Command] = {
    "scenes": Command(".scenes.json", lambda src, out: ["scenes", src, "--json"], prints_output=True),
    "highlights": Command(".reelsmith", lambda src, out: ["highlights", src, "--out", out]),
    "short": Command(".mp4", lambda src, out: ["short", src, "--out", out]),
    "render": Command(".mp4", lambda src, out: ["render", src, "--out", out]),
    "backdrop": Command(".mp4", lambda src, out: ["backdrop", "--match", src, "--out", out]),
}


@dataclass
class Task:
    input: str
    output: str
    argv: list[str]
    variant: str = ""
    state: str = "pending"  # pending | running | done | failed
    reason: str | None = None
    seconds: float | None = None


@dataclass
class Outcome:
    output: str
    ok: bool
    reason: str | None
    seconds: float


@dataclass
class BatchReport:
    done: int = 0  # in this run
    skipped: int = 0  # finished before, not redone
    failed: list[Task] = field(default_factory=list)
    seconds: float = 0.0
    manifest: Path | None = None


# ---------------------------------------------------------------------------------------------
# Planning


def collect_inputs(patterns: list[str], list_file: str | None = None) -> list[str]:
    """Files, the media files in folders (recursively), glob patterns and the lines of a list
    file, in that order, each once. A name that matches nothing is kept, to fail as a task."""
    from core.media import expand_media_paths

    given = list(patterns)
    if list_file:
        try:
            text = Path(list_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = describe_os_error(exc) if isinstance(exc, OSError) else "it is not text"
            raise BatchError(f"The list {list_file} could not be read: {reason}.") from exc
        given += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    found: list[str] = []
    for item in given:
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        found += expand_media_paths(matches)
    return [os.path.abspath(p) for p in dict.fromkeys(found)]


def parse_variants(specs: list[str]) -> dict[str, list[str]]:
    """``NAME=ARGS`` (shell-quoted) -> {NAME: [ARGS]}; none given is one unnamed variant."""
    variants: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, args = spec.partition("=")
        if not sep or not name.strip() or not name.replace("-", "").replace("_", "").isalnum():
            raise BatchError(f"'{spec}' is not a variant: write NAME=ARGS, as in tall=\"--aspect 9:16\".")
        try:
            variants[name.strip()] = shlex.split(args)
        except ValueError as exc:
            raise BatchError(f"The variant '{name}' has unbalanced quotes: {exc}.") from None
    return variants or {"": []}


def plan(command: str, inputs: list[str], out_dir: str | os.PathLike, extra: list[str],
         variants: dict[str, list[str]]) -> list[Task]:
    """A task per input and variant, each writing its own file in ``out_dir``: the input's name,
    the variant's, and the command's suffix (names shared by inputs from different folders get
    a number)."""
    if command not in COMMANDS:
        raise BatchError(f"'{command}' cannot run in a batch; choose one of {', '.join(COMMANDS)}.")
    if not inputs:
        raise BatchError("Nothing to do: no input files were found.")
    spec, out_dir = COMMANDS[command], Path(out_dir).absolute()
    tasks, taken = [], set()
    for source in inputs:
        stem = Path(source).stem
        base, number = stem, 2
        while base in taken:
            base, number = f"{stem}-{number}", number + 1
        taken.add(base)
        for name, args in variants.items():
            output = str(out_dir / f"{base}{'-' + name if name else ''}{spec.suffix}")
            tasks.append(Task(source, output, [*spec.argv(source, output), *extra, *args], name))
    return tasks


# ---------------------------------------------------------------------------------------------
# The manifest


class Manifest:
    """The batch's record, written by the driver only, atomically after each change."""

    def __init__(self, path: Path, command: str, tasks: list[Task]):
        self.path, self.command, self.tasks = path, command, {t.output: t for t in tasks}

    @classmethod
    def open(cls, out_dir: Path, command: str, planned: list[Task]) -> Manifest:
        """The folder's manifest with ``planned`` merged in; a new one if there is none."""
        path = out_dir / MANIFEST
        manifest = cls(path, command, [])
        stored = cls._read(path)
        if stored is not None:
            if stored.get("command") != command:
                raise BatchError(f"{out_dir} holds a batch of '{stored.get('command')}'; "
                                 f"give '{command}' another output folder.")
            for entry in stored.get("tasks", []):
                manifest.tasks[entry["output"]] = Task(**entry)
        for task in planned:
            known = manifest.tasks.get(task.output)
            if known is not None and known.argv != task.argv:
                raise BatchError(f"{Path(task.output).name} was made with other settings; give this batch "
                                 "another output folder (or delete the manifest to start over).")
            manifest.tasks.setdefault(task.output, task)
        return manifest

    @staticmethod
    def _read(path: Path) -> dict | None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise BatchError(f"The batch record {path} is damaged ({exc}); move it away to start over.") from exc
        if not isinstance(stored, dict) or stored.get("format") != FORMAT or not isinstance(stored.get("tasks"), list):
            raise BatchError(f"{path} is not a Reelsmith batch record; move it away to start over.")
        return stored

    def save(self) -> None:
        document = {"format": FORMAT, "version": 1, "command": self.command,
                    "tasks": [asdict(t) for t in self.tasks.values()]}
        try:
            atomic_write_bytes(self.path, (json.dumps(document, indent=1) + "\n").encode("utf-8"))
        except OSError as exc:
            raise BatchError(f"The batch record could not be written to {self.path}: {describe_os_error(exc)}.") from exc

    def settle(self, planned: list[Task]) -> tuple[list[Task], int]:
        """The tasks of ``planned`` still to run, and how many are finished already (those
        recorded done or running whose output is there)."""
        todo, finished = [], 0
        for task in (self.tasks[t.output] for t in planned):
            if task.state in ("done", "running") and os.path.exists(task.output):
                task.state = "done"
                finished += 1
            else:
                todo.append(task)
        return todo, finished


# ---------------------------------------------------------------------------------------------
# One task, in a worker


def run_task(argv: list[str], output: str, prints_output: bool) -> Outcome:
    """Run one single-file command in this process, as ``reelsmith ARGV`` would; its printing
    (and its progress line) is kept from the terminal. Never raises: a failure is an Outcome
    with the command's one-line reason."""
    from core.cli import build_parser
    from core.logs import setup_logging

    setup_logging()
    started, printed, said = time.monotonic(), io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(said):
            args = build_parser().parse_args(argv)
            if prints_output and os.path.exists(output):
                raise BatchError(f"'{Path(output).name}' already exists and this batch did not make it; "
                                 "move it away or choose another output folder.")
            args.run(args)
        if prints_output:
            atomic_write_bytes(output, printed.getvalue().encode("utf-8"))
    except SystemExit:  # argparse: the usage error is on the captured stderr
        return Outcome(output, False, said.getvalue().strip().splitlines()[-1] if said.getvalue().strip()
                       else "bad arguments", time.monotonic() - started)
    except ReelsmithError as exc:
        log.info("batch task %s failed", argv, exc_info=True)
        return Outcome(output, False, str(exc), time.monotonic() - started)
    except OSError as exc:
        return Outcome(output, False, describe_os_error(exc), time.monotonic() - started)
    except Exception as exc:  # a bug: the batch goes on, the log has the traceback
        log.exception("batch task %s failed unexpectedly", argv)
        return Outcome(output, False, f"unexpected error: {exc} (details in the log)", time.monotonic() - started)
    return Outcome(output, True, None, time.monotonic() - started)


# ---------------------------------------------------------------------------------------------
# Engines: where tasks run


class LocalPool:
    """A pool of worker processes on this machine (spawned: no forked torch or ffmpeg state)."""

    def __init__(self, workers: int):
        import concurrent.futures
        import multiprocessing

        self._futures = concurrent.futures
        self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                            mp_context=multiprocessing.get_context("spawn"))
        self.workers = workers

    def run(self, jobs: list[tuple[list[str], str, bool]]) -> Iterator[Outcome]:
        futures = [self._pool.submit(run_task, *job) for job in jobs]
        try:
            for future in self._futures.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayCluster:
    """Tasks on a Ray cluster: ``auto`` (the one running on this machine) or HOST:PORT. Every
    node needs Reelsmith installed and the inputs and output folder at the same paths."""

    def __init__(self, address: str, cpus_per_task: float = 1.0):
        try:
            import ray
        except ImportError as exc:
            raise BatchError("Ray is not installed; install Reelsmith's cluster extra: "
                             "pip install 'reelsmith[cluster]'.") from exc
        self._ray = ray
        _check_reachable(address)
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BatchError(f"No Ray cluster answered at '{address}' ({str(exc).splitlines()[0]}); "
                             "start one with 'ray start --head', or leave out --ray.") from exc
        self._remote = ray.remote(num_cpus=cpus_per_task, max_retries=1)(run_task)
        self.workers = int(ray.cluster_resources().get("CPU", 1) // cpus_per_task) or 1

    def run(self, jobs: list[tuple[list[str], str, bool]]) -> Iterator[Outcome]:
        pending = [self._remote.remote(*job) for job in jobs]
        try:
            while pending:
                ready, pending = self._ray.wait(pending, num_returns=1)
                try:
                    yield self._ray.get(ready[0])
                except self._ray.exceptions.RayError as exc:  # a worker or node was lost
                    raise BatchError(f"The Ray cluster lost a task: {str(exc).splitlines()[0]}") from exc
        finally:
            for ref in pending:
                self._ray.cancel(ref, force=True)

    def close(self) -> None:
        self._ray.shutdown()


def _check_reachable(address: str) -> None:
    """Ray keeps retrying an address where nothing listens for minutes: knock first."""
    import socket

    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise BatchError(f"'{address}' is not a Ray address; write HOST:PORT (as 'ray start --head' prints) or auto.")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise BatchError(f"No Ray cluster answered at '{address}' ({describe_os_error(exc)}); "
                         "start one with 'ray start --head', or leave out --ray.") from None


# ---------------------------------------------------------------------------------------------
# The driver


def run_batch(command: str, tasks: list[Task], out_dir: str | os.PathLike, *, workers: int = 1,
              ray: str | None = None, on_progress: Callable[[str], None] | None = None) -> BatchReport:
    """Run ``tasks`` (from :func:`plan`), resuming the folder's batch; returns what happened."""
    out_dir = Path(out_dir).absolute()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"The output folder {out_dir} could not be made: {describe_os_error(exc)}.") from exc
    manifest = Manifest.open(out_dir, command, tasks)
    todo, finished = manifest.settle(tasks)
    report = BatchReport(skipped=finished, manifest=manifest.path)
    for task in todo:  # one whose output is already there (not this batch's) runs to be refused
        task.state, task.reason = ("pending" if os.path.exists(task.output) else "running"), None
    manifest.save()
    if not todo:
        return report
    engine = RayCluster(ray) if ray else LocalPool(max(1, min(workers, len(todo))))
    meter = _Meter(len(todo), finished, on_progress)
    try:
        jobs = [(t.argv, t.output, COMMANDS[command].prints_output) for t in todo]
        for outcome in engine.run(jobs):
            task = manifest.tasks[outcome.output]
            task.state = "done" if outcome.ok else "failed"
            task.reason, task.seconds = outcome.reason, round(outcome.seconds, 2)
            manifest.save()
            report.done += outcome.ok
            if not outcome.ok:
                report.failed.append(task)
            meter.step(task)
    finally:
        engine.close()
    report.seconds = meter.elapsed
    return report


class _Meter:
    """Counts and an ETA from this run's pace."""

    def __init__(self, total: int, finished: int, on_progress: Callable[[str], None] | None):
        self.total, self.finished, self.on_progress = total, finished, on_progress
        self.done = self.failed = 0
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def step(self, task: Task) -> None:
        if task.state == "done":
            self.done += 1
        else:
            self.failed += 1
        ended = self.done + self.failed
        left = self.total - ended
        eta = self.elapsed / ended * left
        line = (f"[{ended}/{self.total}] {self.done} done, {self.failed} failed, {left} left"
                + (f", {self.finished} done before" if self.finished else "")
                + (f", about {_duration(eta)} to go" if left else f", in {_duration(self.elapsed)}"))
        if self.on_progress is not None:
            self.on_progress(line)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
