"""Headless command line: ``python main.py SUBCOMMAND`` (or ``reelsmith-cli SUBCOMMAND``).

A thin shell over core. Bad input gives one line on stderr and exit status 2, never a
traceback; details go to the log file.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from core import __version__
from core.errors import ReelsmithError
from core.jobs import Cancelled
from core.logs import setup_logging

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2 like every other bad input."""

    def error(self, message: str) -> None:
        self.exit(EXIT_BAD_INPUT, f"reelsmith: error: {message} (see --help)\n")


def _in_range(low: float, high: float, whole: bool = False) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high`` (whole when asked); anything else is
    a usage error (one line, status 2) before any work or heavy import starts."""

    def parse(text: str) -> float:
        import math

        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {'whole ' if whole else ''}number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text} is out of range ({low:g} to {high:g})")
        return value

    return parse


SEED = _in_range(0, 2**31 - 1, whole=True)


def _fail(message: str) -> None:
    print(f"reelsmith: error: {message}", file=sys.stderr)


def _check_out(out: str, inputs, overwrite: bool, error: type[ReelsmithError]):
    """The output's Path, once the shared check (core.fileio.output_problem) finds nothing in
    the way: never one of the command's own inputs, whatever --overwrite says."""
    from pathlib import Path

    from core.fileio import output_problem

    problem = output_problem(out, [i for i in inputs if i], overwrite=overwrite, overwrite_hint="pass --overwrite")
    if problem:
        raise error(problem[0].upper() + problem[1:] + ".")
    return Path(out)


class TerminalProgress:
    """Progress on one rewritten terminal line (quiet when stderr is not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = ""

    def __call__(self, fraction: float, message: str = "") -> None:
        if not self.enabled:
            return
        line = f"\r{message or 'Working'}: {fraction * 100:5.1f}%"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line

    def done(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\n")


# --- probe ------------------------------------------------------------------------------------


def _cmd_probe(args: argparse.Namespace) -> int:
    from core.media import probe

    results, status = [], EXIT_OK
    for path in args.files:
        try:
            info = probe(path)
        except ReelsmithError as exc:
            _fail(str(exc))
            status = EXIT_BAD_INPUT
            continue
        fields = info.to_json()
        fields["path"] = path
        results.append(fields)
        if not args.json:
            print(_describe(fields))
    if args.json and results:
        print(json.dumps(results[0] if len(args.files) == 1 else results, indent=2))
    return status


def _describe(fields: dict) -> str:
    parts = [fields["kind"]]
    if fields["width"]:
        parts.append(f"{fields['width']}x{fields['height']}")
    if fields["fps"]:
        parts.append(f"{fields['fps']:g} fps" + (" (variable)" if fields["vfr"] else ""))
    if fields["duration"] is not None:
        parts.append(f"{fields['duration']:.3f} s")
    if fields["codec"]:
        parts.append(fields["codec"])
    if fields["rotation"]:
        parts.append(f"rotated {fields['rotation']}°")
    if fields["has_audio"]:
        parts.append(f"audio {fields['audio_codec']} {fields['sample_rate']} Hz x{fields['channels']}")
    else:
        parts.append("no audio")
    return f"{fields['path']}: " + ", ".join(parts)


# --- demo -------------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    from core.demo import build_demo_project

    progress = TerminalProgress()
    path = build_demo_project(progress=progress)
    progress.done()
    print(path)
    return EXIT_OK


# --- render -----------------------------------------------------------------------------------


def _cmd_render(args: argparse.Namespace) -> int:
    from core.export import export_project, preset, project_settings
    from core.project_io import EXTENSION, load_project
    from core.quick import project_from_media

    is_project = len(args.inputs) == 1 and args.inputs[0].endswith(EXTENSION)
    if is_project:
        project = load_project(args.inputs[0])
        settings = project_settings(project, args.quality, args.fps)
        if args.preset:
            settings = preset(args.preset, args.fps or settings.fps, args.quality)
    else:
        settings = preset(args.preset or "1080p", args.fps or 30, args.quality)
        project = project_from_media(args.inputs, settings.width, settings.height, settings.fps)
    progress = TerminalProgress()
    result = export_project(project, args.out, settings, overwrite=args.overwrite, progress=progress)
    progress.done()
    speed = result.duration / result.seconds if result.seconds else 0.0
    print(f"{result.path}: {settings.label}, {result.duration:.2f} s in {result.seconds:.1f} s ({speed:.2f}x real time)")
    return EXIT_OK


def _render_args(p: argparse.ArgumentParser) -> None:
    from core.export import FRAME_RATES, QUALITIES
    from core.timeline import CANVASES

    p.add_argument("inputs", nargs="+", metavar="INPUT", help="a project file, or media files to join end to end")
    p.add_argument("--out", required=True, metavar="OUT.mp4", help="the MP4 to write")
    p.add_argument("--preset", choices=list(CANVASES), help="output canvas (default: the project's, or 1080p)")
    p.add_argument("--fps", type=int, choices=FRAME_RATES, help="output frame rate")
    p.add_argument("--quality", choices=list(QUALITIES), default="good")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.mp4 if it exists")


# --- scenes -----------------------------------------------------------------------------------


def _cmd_scenes(args: argparse.Namespace) -> int:
    from core.scenes import detect_scenes

    progress = TerminalProgress()
    result = detect_scenes(args.video, args.sensitivity, progress=progress)
    progress.done()
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return EXIT_OK
    print(f"{args.video}: {result.frames} frames at {result.fps:g} fps, {len(result.shots)} shots")
    for t in result.boundaries:
        span = f"frame {t.frame}" if t.kind == "cut" else f"frames {t.start}-{t.end}"
        print(f"  {t.time:9.3f} s  {t.kind:<8} {span}")
    return EXIT_OK


def _scenes_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--sensitivity", type=_in_range(0, 1), default=0.5, metavar="0..1",
                   help="0 finds only obvious changes of shot, 1 finds everything (default 0.5)")


# --- highlights -------------------------------------------------------------------------------


def _cmd_highlights(args: argparse.Namespace) -> int:
    from core.assist.highlights import build_highlights
    from core.errors import ProjectError
    from core.export import preset
    from core.project_io import save_project

    out = _check_out(args.out, [*args.videos, args.music], args.overwrite, ProjectError)
    settings = preset(args.preset, args.fps)
    progress = TerminalProgress()
    project = build_highlights(args.videos, args.seconds, width=settings.width, height=settings.height,
                               fps=settings.fps, music=args.music, progress=progress)
    progress.done()
    save_project(project, out)
    clips = project.tracks[0].clips
    print(f"{out}: {len(clips)} clips, {project.duration_frames / project.fps:.2f} s")
    return EXIT_OK


def _highlights_args(p: argparse.ArgumentParser) -> None:
    from core.export import FRAME_RATES
    from core.timeline import CANVASES

    p.add_argument("videos", nargs="+", metavar="VIDEO")
    p.add_argument("--seconds", type=_in_range(1, 3600), default=30.0, help="length of the reel (default 30)")
    p.add_argument("--out", required=True, metavar="PROJECT", help="the project file to write")
    p.add_argument("--preset", choices=list(CANVASES), default="1080p", help="canvas (default 1080p)")
    p.add_argument("--fps", type=int, choices=FRAME_RATES, default=30)
    p.add_argument("--music", metavar="MUSIC", help="put this music under the reel and cut on its beats")
    p.add_argument("--overwrite", action="store_true", help="replace PROJECT if it exists")


# --- short ------------------------------------------------------------------------------------


def _cmd_short(args: argparse.Namespace) -> int:
    from core.errors import ProjectError

    inputs = [*args.files, args.music if args.music and Path(args.music).exists() else None, args.script]
    out = _check_out(args.out, inputs, args.overwrite, ProjectError)
    project_out = _check_out(args.project, inputs, args.overwrite, ProjectError) if args.project else None
    keep = project_out or out
    folder = keep.parent / f"{keep.stem} media"
    progress, started = TerminalProgress(), time.monotonic()
    with _removed_unless_done(folder):
        result, project = _make_and_export(args, out, folder, progress)
        if project_out is not None:
            from core.project_io import save_project

            save_project(project, project_out)
    progress.done()
    print(f"{result.path}: {project.width}x{project.height}, {result.duration:.2f} s, made in "
          f"{time.monotonic() - started:.0f} s"
          + (f"; project {project_out}" if project_out else ""))
    return EXIT_OK


def _make_and_export(args: argparse.Namespace, out: Path, folder: Path, progress):
    from core.assist.short import ShortSettings, make_short
    from core.export import export_project, project_settings
    from core.jobs import sub_progress
    from core.speech.words import read_script

    settings = ShortSettings(seconds=args.seconds, aspect=args.aspect, title=args.title,
                             music=None if args.music == "none" else args.music,
                             backdrop=None if args.backdrop == "none" else args.backdrop, seed=args.seed,
                             script=read_script(args.script) if args.script else None,
                             music_under_voice=args.music_under_voice)
    project = make_short(args.files, settings, folder, progress=sub_progress(progress, 0.0, 0.6))
    result = export_project(project, out, project_settings(project), overwrite=args.overwrite,
                            progress=sub_progress(progress, 0.6, 1.0))
    return result, project


@contextlib.contextmanager
def _removed_unless_done(folder: Path):
    """The generated-media folder goes again if the short is not finished (an error, Ctrl+C),
    unless it was there before: nothing of a failed run is left behind."""
    existed = folder.exists()
    try:
        yield
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _short_args(p: argparse.ArgumentParser) -> None:
    from core.assist.short import ASPECTS

    p.add_argument("files", nargs="+", metavar="FILE", help="videos and pictures, in the order to use them")
    p.add_argument("--out", required=True, metavar="OUT.mp4", help="the finished short")
    p.add_argument("--seconds", type=_in_range(3, 600), default=30.0, help="its length (default 30)")
    p.add_argument("--aspect", choices=list(ASPECTS), default="9:16", help="its shape (default 9:16)")
    p.add_argument("--title", metavar="TEXT", help="a title over the first seconds")
    p.add_argument("--script", metavar="FILE", help="the words said, as plain text: captions timed to the "
                   "speech, word by word (English)")
    p.add_argument("--music", default="auto", metavar="MOOD|FILE|none",
                   help="generated music in a mood (default: chosen from the footage's pace), a music file, "
                   "a voice-over (a recording of speech: the short lasts as long as it speaks), or none")
    p.add_argument("--no-music-under-voice", dest="music_under_voice", action="store_false",
                   help="no generated music quietly under a voice-over")
    p.add_argument("--backdrop", default="auto", metavar="STYLE|none",
                   help="the backdrop's style where a picture cannot fill the frame (default: the model's own), or none")
    p.add_argument("--seed", type=SEED, default=0, help="another seed: other music and backdrop")
    p.add_argument("--project", metavar="OUT.reelsmith", help="also save the project, to keep editing it")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.mp4 (and the project) if they exist")


# --- backdrop ---------------------------------------------------------------------------------


def _cmd_backdrop(args: argparse.Namespace) -> int:
    from core.errors import ModelError
    from core.gan.backdrop import BackdropSettings, render_backdrop

    out = _check_out(args.out, [args.match, args.model], args.overwrite, ModelError)
    width, height = _size(args.size)
    settings = BackdropSettings(seconds=args.seconds, width=width, height=height, fps=args.fps, seed=args.seed,
                                style=args.style, speed=args.speed, grain=args.grain, match=args.match,
                                model=args.model, device=args.device)
    progress = TerminalProgress()
    render_backdrop(settings, out, progress=progress)
    progress.done()
    print(f"{out}: {width}x{height}, {settings.frame_count} frames at {args.fps:g} fps")
    return EXIT_OK


def _size(text: str) -> tuple[int, int]:
    from core.errors import ModelError
    from core.timeline import MAX_PIXELS, MAX_SIDE, MIN_SIDE

    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ModelError(f"'{text}' is not a size; write it as WIDTHxHEIGHT, for example 1920x1080.") from None
    if not (MIN_SIDE <= min(width, height) and max(width, height) <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise ModelError(f"{width}x{height} is out of range: each side {MIN_SIDE} to {MAX_SIDE} pixels, "
                         "at most 4096x2160 in all.")
    return width, height


def _backdrop_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=_in_range(0.1, 600), default=10.0)
    p.add_argument("--size", default="1920x1080", metavar="WxH")
    p.add_argument("--fps", type=_in_range(1, 120), default=30.0)
    p.add_argument("--out", required=True, metavar="OUT.mp4")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--style", metavar="NAME", help="one of the model's styles (default: its first)")
    p.add_argument("--speed", type=_in_range(0.1, 5), default=1.0, help="how fast it drifts (default 1)")
    p.add_argument("--grain", type=_in_range(0, 1), default=0.0, metavar="0..1", help="film grain strength")
    p.add_argument("--model", metavar="PATH", help="a trained model (default: the shipped one)")
    p.add_argument("--match", metavar="CLIP", help="take on the colours of this clip or picture")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: CUDA when available")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.mp4 if it exists")


# --- music ------------------------------------------------------------------------------------


def _cmd_music(args: argparse.Namespace) -> int:
    from core.audio.music import MusicSettings, write_music
    from core.errors import MediaError

    out = _check_out(args.out, [], args.overwrite, MediaError)
    settings = MusicSettings(mood=args.mood, bpm=args.bpm, key=args.key, seconds=args.seconds, seed=args.seed)
    write_music(settings, out)
    print(f"{out}: {args.mood} in {args.key}, {args.bpm or 'its own'} BPM")
    return EXIT_OK


def _music_args(p: argparse.ArgumentParser) -> None:
    from core.audio.music import MOODS

    p.add_argument("--mood", choices=list(MOODS), default="chill")
    p.add_argument("--bpm", type=_in_range(40, 220), help="tempo (default: the mood's own)")
    p.add_argument("--key", default="C", help="for example C, F#m, Bb minor (default C)")
    p.add_argument("--seconds", type=_in_range(2, 600), default=30.0, help="rounded to whole bars, so it loops")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--out", required=True, metavar="OUT.wav")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.wav if it exists")


def _cmd_beats(args: argparse.Namespace) -> int:
    from core.audio.beats import beats_of_file

    report = beats_of_file(args.music)
    if args.json:
        print(json.dumps({"bpm": report.bpm, "beats": report.beats, "confidence": round(report.confidence, 3)}))
    else:
        print(f"{args.music}: {report.bpm:.1f} BPM, {len(report.beats)} beats")
    return EXIT_OK


def _beats_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("music", metavar="FILE")
    p.add_argument("--json", action="store_true")


# --- train ------------------------------------------------------------------------------------


def _cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.errors import ModelError
    from core.gan import shipped_model
    from core.gan.data import STYLES, procedural_dataset, user_dataset
    from core.gan.train import TrainSettings, checkpoint_path, train, train_processes

    if args.base and args.from_scratch:
        raise ModelError("Choose one: --base to start from a model, or --from-scratch.")
    out = Path(args.out)
    if out.exists() and not (args.resume or args.overwrite):
        raise ModelError(f"'{out.name}' already exists; pass --resume to carry on training it, "
                         "--overwrite to replace it, or choose another name.")
    _check_out(args.out, args.data or [], True, ModelError)  # the model may be replaced, an input never
    if args.overwrite and not args.resume:
        checkpoint_path(out).unlink(missing_ok=True)
    progress = TerminalProgress()
    labels = styles = None
    if args.procedural:
        pictures, labels = procedural_dataset(args.procedural, seed=args.seed)
        styles = list(STYLES)
    elif args.data:
        pictures = user_dataset(args.data, progress=progress)
    else:
        raise ModelError("Say what to learn from: --data FOLDER_OR_VIDEOS (or --procedural COUNT).")
    base = args.base or (None if (args.from_scratch or args.procedural) else shipped_model())
    settings = TrainSettings(steps=args.steps, batch=args.batch, checkpoint_every=args.checkpoint_every,
                             sample_every=args.sample_every, seed=args.seed, device=args.device,
                             style_guidance=args.style_guidance, style_naming=args.style_naming)
    samples = Path(f"{out}.samples.png")
    common = dict(labels=labels, styles=styles, base_model=base, resume=args.resume, description=args.description,
                  on_update=functools.partial(_show_training, samples))
    if args.gpus > 1 and "WORLD_SIZE" not in os.environ:  # under torchrun each process is already a rank
        result = train_processes(args.gpus, pictures, out, settings, **common)
    else:
        result = train(pictures, out, settings, progress=progress, **common)
    progress.done()
    print(f"{out}: {result.steps} steps in {result.seconds:.0f} s; samples in {samples}")
    return EXIT_OK


def _show_training(samples: Path, update) -> None:
    """A training run's report: the sample grid written beside the model, the losses printed.
    At module level, so that a distributed run's rank 0 can be handed it."""
    from core.errors import ModelError
    from core.fileio import describe_os_error
    from core.media import write_image

    try:
        write_image(samples, update.grid)
    except OSError as exc:
        raise ModelError(f"Could not write {samples.name}: {describe_os_error(exc)}.") from exc
    print(f"step {update.step}/{update.steps}: D {update.d_loss:.3f} G {update.g_loss:.3f} "
          f"({update.seconds:.0f} s)", flush=True)


def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", nargs="+", metavar="DIR_OR_VIDEOS", help="folders of images, images or videos")
    p.add_argument("--procedural", type=_in_range(1, 10_000, whole=True), metavar="COUNT",
                   help="learn from COUNT generated backdrops, from scratch unless --base is given")
    p.add_argument("--steps", type=_in_range(1, 1_000_000, whole=True), default=2000)
    p.add_argument("--batch", type=_in_range(1, 512, whole=True), default=32)
    p.add_argument("--out", required=True, metavar="MODEL.pt")
    p.add_argument("--resume", action="store_true", help="carry on from MODEL.pt's checkpoint")
    p.add_argument("--from-scratch", action="store_true", help="do not start from the shipped model")
    p.add_argument("--base", metavar="MODEL.pt", help="start from this model instead of the shipped one")
    p.add_argument("--overwrite", action="store_true", help="replace MODEL.pt if it exists")
    p.add_argument("--checkpoint-every", type=_in_range(1, 1_000_000, whole=True), default=200, metavar="STEPS")
    p.add_argument("--sample-every", type=_in_range(1, 1_000_000, whole=True), default=50, metavar="STEPS",
                   help="print losses, save samples")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--style-guidance", type=_in_range(0, 100), default=0.0, metavar="WEIGHT",
                   help="pull each style toward what a classifier of the training pictures names it (0: off)")
    p.add_argument("--style-naming", type=_in_range(0, 100), default=0.0, metavar="WEIGHT",
                   help="teach the discriminator to name the training pictures' styles (0: off)")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: CUDA when available")
    p.add_argument("--description", default="", help="a note stored in the model file")
    p.add_argument("--gpus", type=_in_range(1, 64, whole=True), default=1, metavar="N",
                   help="train in N processes with DistributedDataParallel: one per GPU (with --device cpu, "
                        "N gloo processes); or start the command under torchrun instead")


# --- speech and captions ---------------------------------------------------------------------


def _cmd_speech(args: argparse.Namespace) -> int:
    from core.speech.voice import find_speech

    progress = TerminalProgress()
    spans = find_speech(args.media, progress=progress)
    progress.done()
    if args.json:
        print(json.dumps([{"start": s.start, "end": s.end} for s in spans], indent=2))
        return EXIT_OK
    print(f"{args.media}: {len(spans)} stretch(es) of speech, {sum(s.duration for s in spans):.1f} s in all")
    for span in spans:
        print(f"  {span.start:9.3f} - {span.end:9.3f} s")
    return EXIT_OK


def _speech_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("media", metavar="MEDIA")
    p.add_argument("--json", action="store_true", help="print JSON")


def _cmd_captions(args: argparse.Namespace) -> int:
    from core.effects.srt import write_srt
    from core.errors import MediaError
    from core.speech.cues import VERTICAL_LINE_CHARACTERS, build_cues
    from core.speech.words import align, read_script, transcribe

    if not args.out and not args.json:
        raise MediaError("Say where the captions go: --out OUT.srt (or --json to print them).")
    out = _check_out(args.out, [args.media, args.script], args.overwrite, MediaError) if args.out else None
    script = read_script(args.script) if args.script else None
    progress = TerminalProgress()
    words = align(args.media, script, progress=progress) if script is not None else transcribe(args.media, progress=progress)
    progress.done()
    cues = build_cues(words, VERTICAL_LINE_CHARACTERS) if args.vertical else build_cues(words)
    if out is not None:
        write_srt(cues, out)
    if args.json:
        print(json.dumps({"words": [vars(w) for w in words], "cues": cues}, indent=2))
    else:
        unsure = sum(1 for w in words if not w.placed or w.confidence < 0.5)
        print(f"{out}: {len(cues)} captions, {len(words)} words ({unsure} to check)")
    return EXIT_OK


def _captions_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("media", metavar="MEDIA")
    p.add_argument("--script", metavar="FILE", help="the words said, as plain text: placed on the speech "
                   "(accurate); without it the speech is transcribed (a draft to correct)")
    p.add_argument("--out", metavar="OUT.srt")
    p.add_argument("--json", action="store_true", help="print the timed words and the cues as JSON")
    p.add_argument("--vertical", action="store_true", help="shorter lines, for a 9:16 canvas")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.srt if it exists")


# ---------------------------------------------------------------------------------------------

COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable]] = {}


# --- convert ----------------------------------------------------------------------------------


def _cmd_convert(args: argparse.Namespace) -> int:
    from core.interchange import convert_timeline

    result = convert_timeline(args.source, args.target, overwrite=args.overwrite, fps=args.fps)
    project = result.project
    print(f"{args.target}: {sum(len(t.clips) for t in project.tracks)} clip(s) on {len(project.tracks)} track(s), "
          f"{project.duration_frames / project.fps:.2f} s at {project.fps:g} fps")
    for note in result.left_out:
        print(f"left out: {note}")
    return EXIT_OK


def _convert_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="IN", help="a .reelsmith project, or an .otio or .edl timeline")
    p.add_argument("target", metavar="OUT", help="a .reelsmith project, or an .otio, .edl or .fcpxml timeline")
    p.add_argument("--fps", type=_in_range(1, 120), help="an EDL's frame rate (default: its first file's)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")


# --- batch ------------------------------------------------------------------------------------


def _cmd_batch(args: argparse.Namespace) -> int:
    import shlex

    from core.batch import collect_inputs, parse_variants, plan, run_batch

    inputs = collect_inputs(args.inputs, args.list)
    try:
        options = shlex.split(args.options or "")
    except ValueError as exc:
        raise ReelsmithError(f"--options has unbalanced quotes: {exc}.") from None
    tasks = plan(args.batch_command, inputs, args.out, options, parse_variants(args.variant or []))
    terminal = sys.stderr.isatty()

    def show(line: str) -> None:
        sys.stderr.write(f"\r{line}\033[K" if terminal else f"{line}\n")
        sys.stderr.flush()

    report = run_batch(args.batch_command, tasks, args.out, workers=args.workers, ray=args.ray, on_progress=show)
    if terminal and report.done + len(report.failed):
        sys.stderr.write("\n")
    print(f"{report.done} done, {report.skipped} done before, {len(report.failed)} failed; "
          f"record: {report.manifest}")
    for task in report.failed:
        print(f"failed: {task.input}: {task.reason}")
    return EXIT_FAILURE if report.failed else EXIT_OK


def _batch_args(p: argparse.ArgumentParser) -> None:
    from core.batch import COMMANDS

    p.add_argument("batch_command", metavar="COMMAND", choices=list(COMMANDS),
                   help=f"what to run on each input: {', '.join(COMMANDS)}")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="files, folders (searched for media) or glob patterns")
    p.add_argument("--out", required=True, metavar="DIR", help="where the outputs and the batch record go")
    p.add_argument("--list", metavar="FILE", help="a text file of inputs, one per line")
    p.add_argument("--options", metavar="'ARGS'", help="the command's own options for every input, quoted")
    p.add_argument("--variant", action="append", metavar="NAME=ARGS",
                   help="one more output per input, with these options (repeat: tall=\"--aspect 9:16\")")
    p.add_argument("--workers", type=_in_range(1, 256, whole=True), default=max(1, (os.cpu_count() or 2) // 2),
                   help="processes on this machine (default: half its cores)")
    p.add_argument("--ray", metavar="auto|HOST:PORT", help="run on a Ray cluster instead (the 'cluster' extra)")


def _register(name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None],
              run: Callable[[argparse.Namespace], int]) -> None:
    COMMANDS[name] = (help_text, configure, run)


def _probe_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="video, audio or image files")
    p.add_argument("--json", action="store_true", help="print JSON (an object, or a list for several files)")


_register("probe", "print what a media file contains", _probe_args, _cmd_probe)
_register("render", "export a project or media files to MP4", _render_args, _cmd_render)
_register("scenes", "find cuts, fades and dissolves in a video", _scenes_args, _cmd_scenes)
_register("highlights", "build a highlight reel project from videos", _highlights_args, _cmd_highlights)
_register("short", "make a finished short from clips in one go: best moments, reframing, music, title, export",
          _short_args, _cmd_short)
_register("backdrop", "render an animated backdrop with the GAN", _backdrop_args, _cmd_backdrop)
_register("music", "generate a loopable, royalty-free music bed", _music_args, _cmd_music)
_register("beats", "find the tempo and beats of music", _beats_args, _cmd_beats)
_register("train", "train or fine-tune the backdrop GAN", _train_args, _cmd_train)
_register("speech", "find where someone speaks in a video or audio file", _speech_args, _cmd_speech)
_register("captions", "captions from speech (English): transcribed, or your script placed on the words",
          _captions_args, _cmd_captions)
_register("convert", "convert a timeline between Reelsmith and other editors (OTIO, EDL, FCP X XML)",
          _convert_args, _cmd_convert)
_register("batch", "run scenes, highlights, short, render or backdrop over many files; resumable",
          _batch_args, _cmd_batch)
_register("demo", "generate the demo media and project; print the project's path", lambda p: None, _cmd_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reelsmith", description="Reelsmith, the short-video editing assistant.")
    parser.add_argument("--version", action="version", version=f"Reelsmith {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (help_text, configure, run) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        configure(command)
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except Cancelled:
        _fail("cancelled")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except ReelsmithError as exc:
        log.info("command failed", exc_info=True)
        _fail(str(exc))
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: one line for the user, the traceback in the log
        log.exception("unexpected error")
        _fail(f"unexpected error: {exc} (details in the log)")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
