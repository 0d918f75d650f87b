"""The backdrop GAN: rendering speed, and training quality against the textbook DCGAN.

(a) Backdrop frames per second at 1920x1080, latent walk, upscaling and H.264 encoding included,
    on the CPU (and on CUDA when there is one). The anchor is plain ffmpeg encoding the same
    number of 1080p frames from its own test source with the same x264 settings (ultrafast,
    CRF 16, as for the backdrop's intermediate clip): the encoding floor.
(p) Pace along the loop: the mean frame-to-frame change (grey levels at 320x180) over a 6 s
    loop, the mean of the fastest tenth of frame steps over that of the slowest tenth, for the
    walk re-timed by arc length against the anchor, even steps in latent space (the walk before).
(c) The command line end to end: `main.py backdrop --seconds 6` (1080p30) in a fresh process,
    start-up included, against the 6 s it lasts (the anchor: real time). Three runs, the median.
(s) Styles true to their names: for each style, the shipped model's samples against fresh
    training pictures of that style (per-style SWD, the floor being a second fresh set), and how
    often a small CNN trained on the training pictures names the generated style correctly (the
    anchor: the same CNN on fresh training pictures). A contact sheet per style is written
    for looking at.
(b) Training quality for the same wall-clock budget on the same ~100 pictures, on the CPU:
    Reelsmith's GAN from scratch against the textbook DCGAN (the PyTorch example: 64x64,
    transposed convolutions, BatchNorm, BCE, Adam 2e-4 with beta1 0.5). Both are scored at 64x64
    against 200 held-out pictures of the same kind: sliced Wasserstein distance (lower is better),
    MS-SSIM diversity of samples, and the nearest-neighbour MSE/SSIM memorisation check.

Run: .venv/bin/python bench/gan.py [--minutes 5] [--skip-training] [--pace-only] [--cli-only] [--styles-only [DIR]]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("REELSMITH_DATA_DIR", tempfile.mkdtemp(prefix="reelsmith-bench-gan-"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.ffmpeg import ffmpeg_command  # noqa: E402
from core.gan import shipped_model  # noqa: E402
from core.gan.backdrop import BackdropSettings, render_backdrop  # noqa: E402
from core.gan.data import procedural_dataset  # noqa: E402
from core.gan.metrics import diversity, generate_samples, nearest_neighbour, swd  # noqa: E402

SECONDS, FPS = 10, 30


def backdrop_speed(device: str) -> None:
    folder = Path(tempfile.mkdtemp())
    frames = SECONDS * FPS
    start = time.perf_counter()
    render_backdrop(BackdropSettings(seconds=SECONDS, fps=FPS, style="nebula", grain=0.3, device=device),
                    folder / "backdrop.mp4")
    ours = frames / (time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run(ffmpeg_command("-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}", "-frames:v",
                                  str(frames), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16",
                                  "-pix_fmt", "yuv420p", str(folder / "ffmpeg.mp4")), check=True)
    floor = frames / (time.perf_counter() - start)
    print(f"(a) 1080p backdrop on {device}: {ours:.1f} frames/s ({ours / FPS:.2f}x real time at {FPS} fps); "
          f"plain ffmpeg encode of a test source: {floor:.1f} frames/s; ratio {ours / floor:.2f}")


def pace(seed: int) -> None:
    import cv2

    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    renderer = BackdropRenderer(BackdropSettings(seconds=6, width=320, height=180, fps=30, seed=seed))
    frames = np.arange(renderer.settings.frame_count)

    def spread() -> str:
        pictures = [renderer.finish(p, int(i)) for i, p in zip(frames, renderer.small_frames(frames), strict=True)]
        grey = np.stack([cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pictures + pictures[:1]]).astype(np.float32)
        change = np.sort(np.abs(np.diff(grey, axis=0)).mean(axis=(1, 2)))
        tenth = len(change) // 10
        return f"{change[-tenth:].mean() / change[:tenth].mean():.2f}x ({change[0]:.2f} to {change[-1]:.2f} a frame)"

    even = spread()
    renderer._arc = np.linspace(0.0, 1.0, len(renderer._arc))  # the anchor: even steps in latent space
    print(f"pace, seed {seed}: re-timed {even}; even latent steps {spread()}")


def command_line() -> None:
    """The command as a creator runs it, and in the same run the same command through torch (a
    copy of the shipped model without its ONNX twin, as every render was before the twin)."""
    import shutil
    import statistics
    import sys

    root = Path(__file__).resolve().parent.parent
    folder = Path(tempfile.mkdtemp())
    out = folder / "backdrop.mp4"
    without_twin = shutil.copy(shipped_model(), folder / "no-twin.pt")

    def median_of_three(*extra: str) -> tuple[list[float], float]:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, str(root / "main.py"), "backdrop", "--seconds", "6", "--out", str(out),
                            "--overwrite", *extra], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return times, statistics.median(times)

    for name, extra in (("through the twin", ()), ("through torch", ("--model", str(without_twin)))):
        times, median = median_of_three(*extra)
        print(f"(c) command line {name}, 6 s of 1080p30: {', '.join(f'{t:.2f}' for t in times)} s; "
              f"median {median:.2f} s, {6 / median:.2f}x real time")


def style_classifier(size: int = 64, per_style: int = 200, epochs: int = 30):
    """A small CNN that names a picture's style, trained on procedural pictures (seed 404)."""
    from core.gan.data import STYLES

    pictures, labels = procedural_dataset(per_style * len(STYLES), 128, seed=404)
    x = torch.from_numpy(small(pictures, size)).permute(0, 3, 1, 2).float() / 127.5 - 1
    y = torch.from_numpy(labels).long()
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(64, len(STYLES)))
    optimiser = torch.optim.Adam(net.parameters(), 2e-3)
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            batch = order[start : start + 32]
            picked = x[batch].flip(3) if torch.rand(1).item() < 0.5 else x[batch]  # the GAN flips too
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(net(picked), y[batch]).backward()
            optimiser.step()
    net.eval()

    def name(pictures: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            batch = torch.from_numpy(small(pictures, size)).permute(0, 3, 1, 2).float() / 127.5 - 1
            return net(batch).argmax(1).numpy()

    return name


def styles(folder: Path, models: list[Path] | None = None) -> None:
    """Each model's styles, named by one classifier: its figures compare only within a run."""
    name = style_classifier()
    for model in models or [shipped_model()]:
        model_styles(model, name, folder / model.stem if models and len(models) > 1 else folder)


def model_styles(model: Path, name, folder: Path) -> None:
    from core.gan.data import STYLES, procedural_backdrop
    from core.media import write_image

    folder.mkdir(parents=True, exist_ok=True)
    print(f"(s) styles of {model}, 100 samples each (seed 9); contact sheets in {folder}")
    for index, style in enumerate(STYLES):
        fresh = np.stack([procedural_backdrop(style, 77_000 + i) for i in range(100)])
        floor = np.stack([procedural_backdrop(style, 88_000 + i) for i in range(100)])
        samples = generate_samples(model, 100, style=style, seed=9)
        ours, anchor = np.mean(swd(small(fresh), small(samples))), np.mean(swd(small(fresh), small(floor)))
        named, named_real = name(samples), name(floor)
        spread, spread_real = layout_spread(samples), layout_spread(np.concatenate([fresh[:50], floor[:50]]))
        told = discriminator_naming(model, fresh, index)
        confused = np.bincount(named, minlength=len(STYLES))
        mistaken = ", ".join(f"{STYLES[k]} {c}" for k, c in enumerate(confused) if k != index and c)
        print(f"  {style}: SWD x1e3 {ours:.0f} (real vs real {anchor:.0f}); named {style}: "
              f"{(named == index).mean():.0%} of samples, {(named_real == index).mean():.0%} of real ones"
              f"{'; taken for ' + mistaken if mistaken else ''}; layouts apart {spread:.2f} (real {spread_real:.2f}); "
              f"the discriminator scores real ones highest as {style} {told:.0%}")
        sheet = np.concatenate([np.concatenate(list(samples[:8]), axis=1), np.concatenate(list(fresh[:8]), axis=1)])
        write_image(folder / f"{style}.png", sheet)


def discriminator_naming(model: Path, pictures: np.ndarray, index: int) -> float:
    """How often the model's discriminator scores real pictures of style ``index`` highest as
    that style: the pull it can give the generator toward a style (#20: it hardly knew shapes)."""
    from core.gan.model import Discriminator
    from core.gan.train import _to_tensor, load_model_file

    data = load_model_file(model)
    discriminator = Discriminator(len(data["styles"]))
    discriminator.load_state_dict(data["discriminator"])
    with torch.no_grad():
        x = _to_tensor(pictures, "cpu")
        scores = torch.stack([discriminator.eval()(x, torch.full((len(x),), s)) for s in range(len(data["styles"]))], 1)
    return float((scores.argmax(1) == index).float().mean())


def layout_spread(pictures: np.ndarray) -> float:
    """How far apart the layouts of pairs of pictures are (the first half against the second):
    where the light and dark lie at 16x16, palette aside (core.gan.model.layout). One layout
    for every latent vector, in new colours, scores low."""
    from core.gan.model import layout

    coarse = torch.from_numpy(small(pictures, 16)).permute(0, 3, 1, 2).float() / 127.5 - 1
    half = len(coarse) // 2
    return float((layout(coarse[:half]) - layout(coarse[half : 2 * half])).abs().mean())


def small(pictures: np.ndarray, size: int = 64) -> np.ndarray:
    import cv2

    return np.stack([cv2.resize(p, (size, size), interpolation=cv2.INTER_AREA) for p in pictures])


def train_textbook(pictures: np.ndarray, seconds: float) -> tuple[np.ndarray, int]:
    """The PyTorch example's DCGAN loop, for ``seconds``; returns 200 samples and the steps run."""
    from core.gan.model import TextbookDiscriminator, TextbookGenerator, init_dcgan_weights

    torch.manual_seed(0)
    generator, discriminator = TextbookGenerator(), TextbookDiscriminator()
    generator.apply(init_dcgan_weights)
    discriminator.apply(init_dcgan_weights)
    opt_g = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    data = torch.from_numpy(small(pictures)).permute(0, 3, 1, 2).float().div(127.5).sub(1)
    loss = torch.nn.BCELoss()
    steps, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        real = data[torch.randint(0, len(data), (32,))]
        fake = generator(torch.randn(32, 100))
        opt_d.zero_grad()
        d_loss = loss(discriminator(real), torch.ones(32)) + loss(discriminator(fake.detach()), torch.zeros(32))
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss(discriminator(fake), torch.ones(32)).backward()
        opt_g.step()
        steps += 1
    generator.eval()
    with torch.no_grad():
        samples = generator(torch.randn(200, 100, generator=torch.Generator().manual_seed(1)))
    return ((samples.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy(), steps


def train_ours(pictures: np.ndarray, seconds: float) -> tuple[np.ndarray, int]:
    from core.gan.train import TrainSettings, train

    out = Path(tempfile.mkdtemp()) / "ours.pt"
    result = train(pictures, out, TrainSettings(steps=10**6, max_seconds=seconds, checkpoint_every=10**6, device="cpu"))
    return small(generate_samples(out, 200)), result.steps


def report(name: str, samples: np.ndarray, held_out: np.ndarray, training: np.ndarray, steps: int) -> None:
    levels = swd(held_out, samples)
    copies = nearest_neighbour(samples[:50], training)
    print(f"  {name}: {steps} steps; SWD x1e3 by level (fine to coarse) {[round(v) for v in levels]}, "
          f"mean {np.mean(levels):.0f}; diversity (MS-SSIM, lower is more varied) {diversity(samples):.3f}; "
          f"nearest training picture: MSE {copies.mse:.0f}, SSIM {copies.ssim:.3f} (max {copies.max_ssim:.3f})")


def training_quality(minutes: float) -> None:
    pictures, _ = procedural_dataset(100, 128, seed=101)
    held_out = small(procedural_dataset(200, 128, seed=202)[0])
    print(f"(b) {minutes:g} minutes of CPU training each on the same 100 pictures; scored at 64x64 "
          "against 200 held-out pictures")
    report("real pictures (the floor)", small(procedural_dataset(200, 128, seed=303)[0]), held_out, small(pictures), 0)
    ours, ours_steps = train_ours(pictures, minutes * 60)
    report("Reelsmith GAN", ours, held_out, small(pictures), ours_steps)
    textbook, textbook_steps = train_textbook(pictures, minutes * 60)
    report("textbook DCGAN", textbook, held_out, small(pictures), textbook_steps)
    ratio = np.mean(swd(held_out, ours)) / np.mean(swd(held_out, textbook))
    print(f"  SWD ratio Reelsmith / textbook: {ratio:.2f} (below 1: ours is closer to the real pictures)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0, help="training budget for each GAN")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--pace-only", action="store_true", help="only the pace along the loop")
    parser.add_argument("--model", type=Path, nargs="+",
                        help="the model files to measure the styles of, in one run (default: the shipped one)")
    parser.add_argument("--cli-only", action="store_true", help="only the command line's time, end to end")
    parser.add_argument("--styles-only", nargs="?", const=tempfile.mkdtemp(prefix="reelsmith-styles-"), metavar="DIR",
                        help="only the styles against their training pictures (contact sheets into DIR)")
    args = parser.parse_args()
    if args.cli_only:
        return command_line()
    if args.styles_only:
        folder = Path(args.styles_only)
        folder.mkdir(parents=True, exist_ok=True)
        return styles(folder, args.model)
    for seed in (0, 3):
        pace(seed)
    if args.pace_only:
        return
    if not shipped_model().exists():
        raise SystemExit("resources/models/backdrop-gan.pt is missing: see docs/models.md")
    torch.set_num_threads(os.cpu_count() or 1)
    backdrop_speed("cpu")
    if torch.cuda.is_available():
        backdrop_speed("cuda")
    command_line()
    styles(Path(tempfile.mkdtemp(prefix="reelsmith-styles-")))
    if not args.skip_training:
        training_quality(args.minutes)


if __name__ == "__main__":
    main()
