"""The backdrop GAN on the CPU: data, model, training (resume, cancel, divergence), rendering
and metrics. Training runs here are a few steps long: they check the machinery, not quality
(bench/gan.py and docs/models.md measure that)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.errors import MediaError, ModelError
from core.jobs import Cancelled, CancelToken

torch = pytest.importorskip("torch")


@pytest.fixture(scope="session")
def pictures():
    from core.gan.data import procedural_dataset

    return procedural_dataset(14, 128, seed=5)


# --- data -------------------------------------------------------------------------------------


def test_procedural_backdrops_are_deterministic_and_varied():
    from core.gan.data import STYLES, procedural_backdrop

    first = procedural_backdrop("nebula", 3)
    assert first.shape == (128, 128, 3) and first.dtype == np.uint8
    assert np.array_equal(first, procedural_backdrop("nebula", 3))
    assert not np.array_equal(first, procedural_backdrop("nebula", 4))
    pictures = [procedural_backdrop(style, 1) for style in STYLES]
    assert all(p.std() > 3 for p in pictures)  # none is a flat colour
    means = {tuple(np.round(p.reshape(-1, 3).mean(axis=0) / 16)) for p in pictures}
    assert len(means) >= 4
    with pytest.raises(ValueError, match="Known styles"):
        procedural_backdrop("sparkles", 1)


def test_shapes_have_crisp_edges_that_gradients_lack():
    """Blurred, half-transparent shapes taught the model a haze that passed for a gradient."""
    import cv2

    from core.gan.data import procedural_backdrop

    def edge_share(style):
        grey = [cv2.cvtColor(procedural_backdrop(style, seed), cv2.COLOR_RGB2GRAY) for seed in range(20)]
        steps = [np.abs(np.diff(g.astype(np.int16), axis=1)) for g in grey]
        return np.mean([(s > 40).mean() for s in steps])

    assert edge_share("shapes") > 0.01 > 20 * edge_share("gradient")


def test_user_dataset_reads_images_and_videos_and_skips_bad_files(tmp_path, samples, bad_media):
    from core.gan.data import user_dataset
    from core.media import write_image

    folder = tmp_path / "mine"
    folder.mkdir()
    write_image(folder / "wide.png", np.full((90, 160, 3), (200, 30, 30), np.uint8))
    (folder / "notes.txt").write_text("not a picture")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    pictures = user_dataset([folder, samples.path("city-walk.mp4")], size=64, per_video=5)
    assert pictures.shape == (6, 64, 64, 3)
    assert tuple(pictures[0][32, 32]) == (200, 30, 30)  # the image, centre-cropped to a square
    with pytest.raises(MediaError, match="None of these files"):
        user_dataset([folder / "notes.txt"])
    with pytest.raises(MediaError, match="does not exist"):
        user_dataset([tmp_path / "missing"])


# --- model ------------------------------------------------------------------------------------


def test_generator_is_128_pixels_and_has_no_per_frame_noise():
    from core.gan.model import Discriminator, Generator

    generator = Generator(styles=3).eval()
    z = torch.randn(2, generator.z_dim)
    style = torch.tensor([0, 2])
    with torch.no_grad():
        first, again = generator(z, style), generator(z, style)
    assert first.shape == (2, 3, 128, 128)
    assert torch.equal(first, again)  # same latent, same picture: frames cannot shimmer
    assert Discriminator(styles=3)(first, style).shape == (2,)


def test_settled_statistics_are_those_of_the_generators_own_pictures():
    from core.gan.model import Generator, settle_statistics

    torch.manual_seed(0)
    generator = Generator(styles=3, channels=(32, 16, 8)).eval()
    inputs = []
    generator.norms[-1].norm.register_forward_hook(lambda module, args, result: inputs.append(args[0]))

    def mismatch() -> float:
        """How far the last norm's kept mean is from the mean it meets when sampling."""
        inputs.clear()
        with torch.no_grad():
            generator(torch.randn(512, generator.z_dim), torch.randint(0, 3, (512,)))
        met = inputs[0].mean(dim=(0, 2, 3))
        return float((met - generator.norms[-1].norm.running_mean).abs().max())

    before = mismatch()
    settle_statistics(generator, torch.tensor([0, 1, 2]), pictures=256)
    assert mismatch() < 0.2 * before
    assert not generator.training and generator.norms[-1].norm.momentum == 0.1


def test_diff_augment_keeps_gradients_and_changes_the_picture():
    from core.gan.model import diff_augment

    x = torch.zeros(4, 3, 32, 32, requires_grad=True)
    y = diff_augment(x + 0.5, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and not torch.allclose(y, x + 0.5)
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0



def test_layout_seeking_counts_a_new_layout_not_a_new_palette():
    from core.gan.model import layout_seeking_loss

    ramp = torch.linspace(-1, 1, 32).view(1, 1, 1, 32).expand(2, 3, 32, 32)
    recoloured = ramp * 0.5 + torch.tensor([0.3, -0.2, 0.1]).view(1, 3, 1, 1)  # same light and dark places
    turned = ramp.transpose(2, 3)  # the light moved to the bottom
    z1, z2 = torch.zeros(2, 8), torch.ones(2, 8)
    same_layout = layout_seeking_loss(ramp, recoloured, z1, z2)
    new_layout = layout_seeking_loss(ramp, turned.clone().requires_grad_(True), z1, z2)
    assert new_layout < 0.1 * same_layout  # a different layout is what lowers it
    new_layout.backward()
    assert layout_seeking_loss(ramp[:0], ramp[:0], z1[:0], z2[:0]) == 0  # a batch of one has no pairs


def test_style_guidance_pulls_a_fake_toward_its_own_style(monkeypatch, tmp_path, pictures):
    """The guide learns the styles from the run's pictures (here: dark and light fields); its
    loss is lower for a picture of the asked style, and its gradient reaches the picture. A
    run of one style has no guide to make."""
    from core.gan import model
    from core.gan.data import STYLES
    from core.gan.train import TrainSettings, train

    gen = torch.Generator().manual_seed(0)
    fields = torch.cat([torch.full((16, 3, 64, 64), -0.7), torch.full((16, 3, 64, 64), 0.7)])
    fields = fields + 0.1 * torch.randn(fields.shape, generator=gen)
    guide = model.train_style_classifier(fields, torch.tensor([0] * 16 + [1] * 16), 2, steps=40, seed=0)
    stop = CancelToken()
    stop.cancel()
    with pytest.raises(Cancelled):  # a minute or two of work on its own: it stops when asked
        model.train_style_classifier(fields, torch.tensor([0] * 16 + [1] * 16), 2, steps=40, cancel=stop)
    from core.gan import train as training

    images, labels = pictures
    left = []
    monkeypatch.setattr(training, "_leave", left.append)
    with pytest.raises(Cancelled):  # cancelled while the guide learns: the run still leaves its group
        train(images[:8], tmp_path / "cancelled.pt", TrainSettings(steps=1, batch=4, style_guidance=0.5, device="cpu"),
              labels=labels[:8], styles=list(STYLES), cancel=stop)
    assert len(left) == 1
    picture = torch.full((1, 3, 64, 64), 0.7, requires_grad=True)
    light, dark = (model.style_guidance_loss(guide, picture, torch.tensor([s])) for s in (1, 0))
    assert light < dark
    dark.backward()  # a light picture asked to be dark is pushed darker
    assert picture.grad.mean() > 0
    made = []
    monkeypatch.setattr(model, "train_style_classifier", lambda *a, **k: made.append(a[2]) or model.StyleClassifier(a[2]))
    settings = TrainSettings(steps=1, batch=4, style_guidance=0.5, checkpoint_every=1000, device="cpu")
    train(images[:8], tmp_path / "one.pt", settings)  # one style ("custom"): nothing to tell apart
    assert made == []
    train(images[:8], tmp_path / "seven.pt", settings, labels=labels[:8], styles=list(STYLES))
    assert made == [len(STYLES)]


def test_style_naming_teaches_the_discriminator_the_styles_and_resumes(tmp_path, pictures):
    """With style naming the discriminator's features learn to tell the real pictures' styles
    apart (its style head's loss falls), and a run resumes with the head where it was."""
    import torch

    from core.gan.data import STYLES
    from core.gan.train import TrainSettings, checkpoint_path, train

    images, labels = pictures
    out = tmp_path / "named.pt"
    settings = TrainSettings(steps=1, batch=8, style_naming=1.0, checkpoint_every=1000, device="cpu")
    train(images, out, settings, labels=labels, styles=list(STYLES))
    head = torch.load(checkpoint_path(out), weights_only=True)["namer"]
    assert head["weight"].shape == (len(STYLES), 256)
    settings.steps = 2
    result = train(images, out, settings, labels=labels, styles=list(STYLES), resume=True)
    assert result.steps == 2
    resumed = torch.load(checkpoint_path(out), weights_only=True)["namer"]
    assert not torch.equal(resumed["weight"], head["weight"])  # it learned on from where it was
    plain = tmp_path / "plain.pt"
    train(images, plain, TrainSettings(steps=1, batch=8, checkpoint_every=1000, device="cpu"), labels=labels,
          styles=list(STYLES))
    assert torch.load(checkpoint_path(plain), weights_only=True)["namer"] == {}


# --- training ---------------------------------------------------------------------------------


def test_training_writes_a_safe_model_and_resumes(tmp_path, pictures):
    from core.gan.data import STYLES
    from core.gan.train import (
        TrainSettings,
        build_generator,
        checkpoint_path,
        load_model_file,
        sample_grid,
        train,
    )

    images, labels = pictures
    out = tmp_path / "m.pt"
    updates = []
    first = train(images, out, TrainSettings(steps=3, batch=4, sample_every=3), labels=labels, styles=list(STYLES),
                  on_update=updates.append)
    assert first.steps == 3 and out.exists() and checkpoint_path(out).exists()
    assert updates[-1].step == 3 and updates[-1].grid.shape == (256, 512, 3)
    # The grid shows what the saved model makes: drawn with the statistics the model file gets,
    # not the live generator's (with those it was 42 grey levels off after these three steps).
    z = torch.randn(8, 128, generator=torch.Generator().manual_seed(0))  # the run's first draw
    saved = sample_grid(build_generator(load_model_file(out)), [int(labels[i]) for i in range(8)], z)
    difference = np.abs(updates[-1].grid.astype(int) - saved.astype(int))
    assert difference.mean() < 0.5 and difference.max() <= 3  # channels-last sums round a little differently
    model = load_model_file(out)  # weights_only=True inside
    assert model["styles"] == list(STYLES) and model["trained_steps"] == 3
    resumed = train(images, out, TrainSettings(steps=5, batch=4), labels=labels, styles=list(STYLES), resume=True)
    assert resumed.steps == 5 and [h[0] for h in resumed.history] == [1, 2, 3, 4, 5]


def test_skip_colours_start_as_nothing_and_an_older_checkpoint_carries_on(tmp_path, pictures):
    from core.gan.data import STYLES
    from core.gan.model import Generator
    from core.gan.train import (
        TrainSettings,
        _grown,
        build_generator,
        checkpoint_path,
        load_model_file,
        train,
    )

    plain = Generator(styles=3).eval()
    with_skip = Generator(styles=3, skip=True).eval()
    with_skip.load_state_dict(_grown(plain.state_dict(), with_skip))
    z, style = torch.randn(2, plain.z_dim), torch.tensor([0, 2])
    with torch.no_grad():
        assert torch.equal(plain(z, style), with_skip(z, style))  # zero at the start: the same picture

    images, labels = pictures
    out = tmp_path / "older.pt"
    train(images, out, TrainSettings(steps=2, batch=4, skip_colours=True), labels=labels, styles=list(STYLES))
    ckpt = checkpoint_path(out)  # made to look like one written before the skip colours
    state = torch.load(ckpt, weights_only=True)
    for key in ("generator", "ema"):
        state[key] = {k: v for k, v in state[key].items() if not k.startswith("skip_rgb.")}
    group = state["opt_g"]["param_groups"][0]
    group["params"] = group["params"][: -2 * len(Generator(skip=True).skip_rgb)]
    state["opt_g"]["state"] = {k: v for k, v in state["opt_g"]["state"].items() if k in group["params"]}
    torch.save(state, ckpt)
    resumed = train(images, out, TrainSettings(steps=4, batch=4, skip_colours=True, layout_seeking=1.0),
                    labels=labels, styles=list(STYLES), resume=True)
    model = load_model_file(out)
    assert resumed.steps == 4 and model["skip_rgb"]
    heads = [v for k, v in model["generator"].items() if k.startswith("skip_rgb.")]
    assert heads and any(v.abs().sum() > 0 for v in heads)  # learning from where the checkpoint left off
    assert build_generator(model).skip


def test_cancel_keeps_the_work_so_far(tmp_path, pictures):
    from core.gan.train import TrainSettings, load_model_file, train

    token = CancelToken()
    out = tmp_path / "paused.pt"

    def stop_after_two(update):
        if update.step == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        train(pictures[0], out, TrainSettings(steps=50, batch=4, sample_every=1), on_update=stop_after_two,
              cancel=token)
    assert load_model_file(out)["trained_steps"] == 2  # cancel is pause
    again = train(pictures[0], out, TrainSettings(steps=4, batch=4), resume=True)
    assert again.steps == 4


def test_fine_tuning_adds_a_custom_style(tmp_path, tiny_model, pictures):
    from core.gan.train import TrainSettings, load_model_file, train

    out = tmp_path / "mine.pt"
    train(pictures[0][:8], out, TrainSettings(steps=1, batch=4), base_model=tiny_model)
    styles = load_model_file(out)["styles"]
    assert styles[-1] == "custom" and len(styles) == 8


def test_a_fine_tune_of_a_long_trained_model_starts_its_average_at_the_base(tmp_path, tiny_model, pictures):
    """The model written is the average of the weights; a fine-tune's live weights swing far
    from the base at first, and a long-trained base must not be forgotten in a few steps."""
    from core.gan.train import TrainSettings, checkpoint_path, load_model_file, train

    base = load_model_file(tiny_model)
    base["trained_steps"] = 5000
    long_trained = tmp_path / "long.pt"
    torch.save(base, long_trained)
    out = tmp_path / "mine.pt"
    images, labels = pictures
    cancel = CancelToken()  # a long fine-tune, paused after three steps
    with pytest.raises(Cancelled):
        train(images, out, TrainSettings(steps=10_000, batch=4, sample_every=3), labels=labels, styles=base["styles"],
              base_model=long_trained, on_update=lambda update: cancel.cancel(), cancel=cancel)
    key = "ups.2.1.weight"
    start = base["generator"][key]
    live = torch.load(checkpoint_path(out), weights_only=True)["generator"][key]
    written = load_model_file(out)["generator"][key]
    assert (live - start).abs().max() > 0
    assert (written - start).abs().max() < 0.01 * (live - start).abs().max()


def test_models_made_before_style_conditional_batchnorm_still_render_and_fine_tune(tmp_path, pictures):
    """Creators' own models from earlier versions feed the style in at the input only; they
    must keep working, and fine-tuning one keeps its kind of generator."""
    from core.gan.backdrop import BackdropRenderer, BackdropSettings
    from core.gan.data import STYLES
    from core.gan.model import Discriminator, Ema, Generator
    from core.gan.train import (
        TrainSettings,
        _model_dict,
        _save,
        build_generator,
        load_model_file,
        train,
    )

    older = Generator(len(STYLES), conditional=False)
    path = tmp_path / "older.pt"
    data = _model_dict(Ema(older).model, Discriminator(len(STYLES)), list(STYLES), 100, "an earlier model")
    del data["conditional_norm"]  # earlier files do not have the key
    _save(data, path)
    assert build_generator(load_model_file(path)).conditional is False
    renderer = BackdropRenderer(BackdropSettings(seconds=0.5, width=64, height=36, model=str(path)))
    assert next(renderer.frames()).shape == (36, 64, 3)
    tuned = tmp_path / "tuned.pt"
    train(pictures[0][:8], tuned, TrainSettings(steps=1, batch=4), base_model=path)
    assert load_model_file(tuned)["conditional_norm"] is False


def test_divergence_stops_with_a_clear_message_and_keeps_the_checkpoint(tmp_path, pictures, monkeypatch):
    import core.gan.model as model
    from core.gan.train import TrainSettings, load_model_file, train

    out = tmp_path / "wild.pt"
    train(pictures[0], out, TrainSettings(steps=2, batch=4, checkpoint_every=2))
    monkeypatch.setattr(model, "hinge_d_loss", lambda real, fake: (real.sum() + fake.sum()) * float("nan"))
    with pytest.raises(ModelError, match="diverged at step 3"):
        train(pictures[0], out, TrainSettings(steps=6, batch=4), resume=True)
    assert load_model_file(out)["trained_steps"] == 2


def test_too_few_pictures_and_bad_model_files(tmp_path, pictures):
    from core.gan.train import load_model_file, train

    with pytest.raises(ModelError, match="at least 8 pictures"):
        train(pictures[0][:3], tmp_path / "x.pt")
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"PK\x03\x04 not really a model")
    with pytest.raises(ModelError, match="damaged"):
        load_model_file(damaged)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ModelError, match="not a Reelsmith backdrop model"):
        load_model_file(other)
    with pytest.raises(ModelError, match="does not exist"):
        load_model_file(tmp_path / "missing.pt")


# --- backdrops --------------------------------------------------------------------------------


def _frames(path):
    from core.media import VideoReader, probe

    info = probe(path)
    with VideoReader(info) as reader:
        return info, np.stack([reader.frame(i) for i in range(info.frame_count)]).astype(np.float32)


def test_backdrop_file_is_smooth_moving_and_loops(tmp_path, tiny_model):
    from core.gan.backdrop import BackdropSettings, render_backdrop

    out = render_backdrop(BackdropSettings(seconds=3, width=160, height=90, fps=20, model=str(tiny_model),
                                           style="plasma", speed=2), tmp_path / "b.mp4")
    info, frames = _frames(out)
    assert (info.width, info.height, info.frame_count) == (160, 90, 60)
    steps = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    spread = np.abs(frames - frames[0]).mean(axis=(1, 2, 3)).max()
    assert spread > 3 * steps.mean()  # it moves, and not in jumps
    assert steps.max() < 4 * np.median(steps) + 1
    seam = np.abs(frames[-1] - frames[0]).mean()
    assert seam < 2 * steps.max() + 1  # the last frame leads back into the first


def test_the_shipped_model_renders_through_its_twin_without_importing_torch():
    """A backdrop's first frames come from the shipped model's ONNX twin (core.gan.twin), made
    from its very bytes, and torch, 3-4 s to import here, is never loaded."""
    import subprocess
    import sys

    from core.gan import shipped_model
    from core.gan.twin import twin_of

    assert twin_of(shipped_model()) is not None, "the shipped model changed: run python -m core.gan.twin"
    code = ("import sys, numpy as np\n"
            "from core.gan.backdrop import BackdropRenderer, BackdropSettings\n"
            "renderer = BackdropRenderer(BackdropSettings(seconds=1, width=64, height=36, style='aurora'))\n"
            "assert renderer.finish(renderer.small_frames(np.arange(2))[1], 1).shape == (36, 64, 3)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_twin_renders_what_torch_renders_and_a_stale_or_damaged_one_is_passed_over(tmp_path, tiny_model, caplog):
    import shutil

    from core.gan.backdrop import BackdropRenderer, BackdropSettings
    from core.gan.twin import TwinGenerator, twin_of, write_twin

    model = tmp_path / "mine.pt"
    shutil.copy(tiny_model, model)
    settings = BackdropSettings(seconds=1, width=64, height=36, fps=8, model=str(model), style="nebula", device="cpu")
    by_torch = BackdropRenderer(settings)
    assert not isinstance(by_torch._pictures, TwinGenerator)  # no twin yet
    pictures = by_torch.small_frames(np.arange(8)).astype(int)
    write_twin(model)
    by_twin = BackdropRenderer(settings)
    assert isinstance(by_twin._pictures, TwinGenerator)
    assert np.abs(by_twin.small_frames(np.arange(8)) - pictures).max() <= 1
    data = torch.load(model, weights_only=True)
    data["description"] = "trained on"  # the model is another file now: its twin is not its own
    torch.save(data, model)
    assert twin_of(model) is None and not isinstance(BackdropRenderer(settings)._pictures, TwinGenerator)
    write_twin(model)
    model.with_suffix(".onnx").write_bytes(b"not a graph" * 100)
    with caplog.at_level("WARNING"):
        damaged = BackdropRenderer(settings)
    assert not isinstance(damaged._pictures, TwinGenerator) and "twin could not be read" in caplog.text
    assert np.abs(damaged.small_frames(np.arange(8)) - pictures).max() <= 1


def test_a_backdrop_of_several_turns_makes_each_picture_once(tiny_model, monkeypatch):
    """Every turn of the walk shows the same pictures: they are generated for the first turn
    and shown again after it, the same as generating them anew."""
    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    settings = BackdropSettings(seconds=3, width=64, height=36, fps=8, speed=8, model=str(tiny_model))
    renderer = BackdropRenderer(settings)  # 3 turns of 8 frames in 24
    assert int(renderer.turns[0]) == 3 and renderer._repeats_every() == 8
    anew = [renderer.finish(small, i) for i, small in enumerate(renderer.small_frames(np.arange(24)))]
    made = []
    generate = renderer._generate
    monkeypatch.setattr(renderer, "_generate", lambda positions: made.append(len(positions)) or generate(positions))
    frames = list(renderer.frames())
    assert sum(made) == 8 and len(frames) == 24  # one turn generated, not three
    assert max(np.abs(a.astype(int) - b).max() for a, b in zip(anew, frames, strict=True)) <= 1
    odd = BackdropRenderer(BackdropSettings(seconds=3.125, width=64, height=36, fps=8, speed=8, model=str(tiny_model)))
    assert odd._repeats_every() is None  # 25 frames in 3 turns: no frame repeats exactly


def test_settling_a_model_changes_its_statistics_and_no_weight(tmp_path, tiny_model):
    import torch

    from core.gan.settle import main
    from core.gan.train import load_model_file

    out = tmp_path / "settled.pt"
    main([str(tiny_model), "--out", str(out), "--pictures", "64"])
    before, after = load_model_file(tiny_model)["generator"], load_model_file(out)["generator"]
    stats = [name for name in before if "running_" in name]
    assert stats and any(not torch.equal(before[name], after[name]) for name in stats)
    assert all(torch.equal(before[name], after[name]) for name in before if name not in stats and "num_batches" not in name)


def test_the_backdrop_file_shows_the_preview_s_pictures_with_or_without_grain(tmp_path, tiny_model):
    """Without grain ffmpeg upscales the generator's own pictures; with grain they are made full
    size here. Either way the file holds what the preview shows."""
    from core.gan.backdrop import BackdropRenderer, BackdropSettings, render_backdrop

    for grain in (0.0, 0.5):
        settings = BackdropSettings(seconds=1, width=320, height=180, fps=10, model=str(tiny_model), grain=grain)
        info, frames = _frames(render_backdrop(settings, tmp_path / f"grain{grain}.mp4"))
        assert (info.width, info.height, info.frame_count) == (320, 180, 10)
        renderer = BackdropRenderer(settings)
        indices = np.arange(10)
        preview = np.stack([renderer.finish(p, int(i)) for i, p in zip(indices, renderer.small_frames(indices), strict=True)])
        assert np.abs(frames - preview.astype(np.float32)).mean() < (3 if grain == 0 else 12)


def test_backdrop_is_the_same_for_the_same_seed_and_takes_on_colours(tmp_path, tiny_model):
    from core.gan.backdrop import BackdropRenderer, BackdropSettings
    from core.media import write_image

    def settings(**changes):
        return BackdropSettings(**{"seconds": 1, "width": 64, "height": 64, "fps": 8, "model": str(tiny_model), **changes})

    frames = np.arange(4)
    first = BackdropRenderer(settings(seed=3)).small_frames(frames)
    assert np.array_equal(first, BackdropRenderer(settings(seed=3)).small_frames(frames))
    assert not np.array_equal(first, BackdropRenderer(settings(seed=4)).small_frames(frames))
    red = tmp_path / "red.png"
    write_image(red, np.dstack([np.full((90, 160), v, np.uint8) for v in (220, 40, 30)]))
    matched = BackdropRenderer(settings(seed=3))
    matched.match_colours(red)
    tinted = matched.small_frames(frames).reshape(-1, 3).mean(axis=0)
    assert tinted[0] > tinted[1] + 80 and tinted[0] > tinted[2] + 80


def test_colours_taken_from_footage_hold_steady_along_the_loop(samples):
    import cv2

    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    renderer = BackdropRenderer(BackdropSettings(seconds=16, width=64, height=64, fps=4))  # the shipped model
    frames = np.arange(0, renderer.settings.frame_count, 2)  # its colours swing along the walk

    def mean_lab(pictures):
        return np.stack([cv2.cvtColor(p, cv2.COLOR_RGB2LAB).reshape(-1, 3).mean(axis=0) for p in pictures])

    own = mean_lab(renderer.small_frames(frames))
    renderer.match_colours(samples.path("studio-talk.mp4"))
    matched = mean_lab(renderer.small_frames(frames))
    swing = np.ptp(matched, axis=0)
    assert swing.max() < 12 and swing.max() < np.ptp(own, axis=0).max() / 2


def test_the_backdrop_changes_at_an_even_pace_and_still_loops():
    import cv2

    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    renderer = BackdropRenderer(BackdropSettings(seconds=6, width=160, height=90, fps=30, seed=3))  # the shipped model
    frames = np.arange(renderer.settings.frame_count)
    timed = renderer.retimed(np.arange(0, 2 * renderer.settings.frame_count + 1))
    assert np.all(np.diff(timed) > 0) and timed[0] == 0 and timed[-1] == pytest.approx(2 * renderer.settings.frame_count)
    pictures = [renderer.finish(p, int(i)) for i, p in zip(frames, renderer.small_frames(frames), strict=True)]
    grey = np.stack([cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pictures + pictures[:1]]).astype(np.float32)
    change = np.sort(np.abs(np.diff(grey, axis=0)).mean(axis=(1, 2)))  # the last step closes the loop
    tenth = len(change) // 10
    assert change[-tenth:].mean() <= 2.0 * change[:tenth].mean()  # it was 14x at this seed


def test_preview_moments_are_different_pictures_for_a_long_backdrop(tiny_model):
    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    renderer = BackdropRenderer(BackdropSettings(seconds=30, width=64, height=64, model=str(tiny_model)))
    spread_over_clip = np.linspace(0, renderer.settings.frame_count, 4, endpoint=False).astype(int)
    z = renderer.latent(spread_over_clip)
    assert np.allclose(z, z[0], atol=1e-4)  # 30 s is four turns: a quarter apart is the same picture
    moments = renderer.latent(renderer.moments(4))
    gaps = [np.abs(moments[i] - moments[j]).mean() for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) > 0.1  # the preview's moments are four different pictures


def test_grain_adds_fine_texture_only(tiny_model):
    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    plain = BackdropRenderer(BackdropSettings(width=320, height=180, model=str(tiny_model)))
    grainy = BackdropRenderer(BackdropSettings(width=320, height=180, model=str(tiny_model), grain=1.0))
    small = plain.small_frames(np.arange(1))[0]
    a, b = plain.finish(small, 0).astype(float), grainy.finish(small, 0).astype(float)
    assert 3 < np.abs(a - b).mean() < 20
    assert abs(a.mean() - b.mean()) < 2


def test_backdrop_settings_are_checked(tiny_model):
    from core.gan.backdrop import BackdropRenderer, BackdropSettings

    for bad, message in ((dict(width=101), "even"), (dict(seconds=0), "lasts"), (dict(speed=0), "speed"),
                         (dict(style="sparkles"), "no style 'sparkles'")):
        with pytest.raises(ModelError, match=message):
            BackdropRenderer(BackdropSettings(model=str(tiny_model), **bad))


def test_cancelling_a_backdrop_leaves_no_file(tmp_path, tiny_model):
    from core.gan.backdrop import BackdropSettings, render_backdrop

    token = CancelToken()

    def cancel_midway(fraction, message=""):
        if fraction > 0.3:
            token.cancel()

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        render_backdrop(BackdropSettings(seconds=4, width=64, height=64, fps=10, model=str(tiny_model)), out,
                        progress=cancel_midway, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_stops_a_backdrop_with_a_clear_message(tmp_path, tiny_model, monkeypatch):
    """ffmpeg itself meets the full disk (it writes to /dev/full), and a creator reads why."""
    import contextlib
    from pathlib import Path

    import core.media.writers
    from core.errors import MediaError
    from core.gan.backdrop import BackdropSettings, render_backdrop

    @contextlib.contextmanager
    def full_disk(target, suffix=""):
        yield Path("/dev/full")

    monkeypatch.setattr(core.media.writers, "atomic_path", full_disk)
    out = tmp_path / "backdrop.mp4"
    out.write_bytes(b"the creator's earlier backdrop")
    with pytest.raises(MediaError, match="disk is full"):
        render_backdrop(BackdropSettings(seconds=2, width=320, height=180, fps=20, model=str(tiny_model)), out)
    assert out.read_bytes() == b"the creator's earlier backdrop"


def test_shipped_model_is_small_safe_and_varied():
    from core.gan import shipped_model
    from core.gan.metrics import diversity, generate_samples
    from core.gan.train import load_model_file

    path = shipped_model()
    assert path.exists(), "resources/models/backdrop-gan.pt is missing: see docs/models.md to train it"
    assert path.stat().st_size < 20 * 1024 * 1024
    model = load_model_file(path)
    assert "nebula" in model["styles"]
    samples = generate_samples(path, 16)
    assert samples.std() > 20
    assert diversity(samples, pairs=24) < 0.6


# --- metrics ----------------------------------------------------------------------------------


def test_swd_ranks_a_better_match_lower(pictures):
    from core.gan.data import procedural_dataset
    from core.gan.metrics import swd

    real = procedural_dataset(28, 128, seed=11)[0]
    similar = procedural_dataset(28, 128, seed=12)[0]
    blurred = np.stack([p // 32 * 32 for p in similar])  # posterised: wrong fine detail
    noise = np.random.default_rng(0).integers(0, 256, real.shape, dtype=np.uint8)
    good, worse, worst = (np.mean(swd(real, x)) for x in (similar, blurred, noise))
    assert good < worse < worst


def test_memorisation_check_and_diversity(pictures):
    from core.gan.metrics import diversity, nearest_neighbour

    images = pictures[0]
    copies = nearest_neighbour(images[:4], images)
    assert copies.mse == 0 and copies.max_ssim == pytest.approx(1.0)
    others = nearest_neighbour(images[:4], images[4:])
    assert others.mse > 100 and others.max_ssim < 0.95
    assert diversity(np.repeat(images[:1], 6, axis=0), pairs=5) == pytest.approx(1.0)
    assert diversity(images, pairs=20) < 0.6


def test_a_full_disk_stops_training_with_a_clear_message_and_keeps_the_last_model(tmp_path, pictures, monkeypatch):
    import errno

    import core.gan.train as train_module
    from core.gan.train import TrainSettings, load_model_file, train

    out = tmp_path / "full.pt"
    train(pictures[0], out, TrainSettings(steps=2, batch=4))

    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train_module, "atomic_write_bytes", no_space)
    with pytest.raises(ModelError, match="disk is full"):
        train(pictures[0], out, TrainSettings(steps=4, batch=4, checkpoint_every=1), resume=True)
    assert load_model_file(out)["trained_steps"] == 2  # the last complete model is untouched


@pytest.mark.slow
def test_distributed_training_on_two_cpu_processes_follows_one_and_resumes(tmp_path):
    """DistributedDataParallel over gloo, 2 processes, each on its shard with half the batch:
    the losses run the course of one process; a distributed run resumes from a checkpoint and
    carries on from the step it stopped at; rank 0 writes the model. (One spawn: each process
    pays 5-6 s of imports on these cores, and a second distributed run doubled the test.)"""
    import shutil

    from core.gan.data import STYLES, procedural_dataset
    from core.gan.train import TrainSettings, load_model_file, train, train_processes

    images, labels = procedural_dataset(32, 128, seed=5)
    common = dict(labels=labels, styles=list(STYLES))

    def settings(steps: int) -> TrainSettings:
        return TrainSettings(steps=steps, batch=8, sample_every=1000, checkpoint_every=1000, device="cpu")

    half = train(images, tmp_path / "two.pt", settings(8), **common)
    assert half.steps == 8 and load_model_file(tmp_path / "two.pt")["trained_steps"] == 8
    for made in ("two.pt", "two.pt.ckpt"):  # one process carries on from the same step 8
        shutil.copy(tmp_path / made, tmp_path / made.replace("two", "one"))
    one = train(images, tmp_path / "one.pt", settings(16), resume=True, **common)
    two = train_processes(2, images, tmp_path / "two.pt", settings(16), resume=True, **common)
    assert [h[0] for h in two.history] == list(range(1, 17))  # carried on from step 8
    assert load_model_file(tmp_path / "two.pt")["trained_steps"] == 16
    d_one, d_two = (np.array([h[1] for h in run.history]) for run in (one, two))
    assert np.isfinite(d_two).all() and 0.5 < d_two[-8:].mean() < 2.5
    assert abs(d_two[-8:].mean() - d_one[-8:].mean()) < 0.4


def test_distributed_training_refuses_too_few_pictures_in_one_line(tmp_path, pictures):
    from core.gan.train import TrainSettings, train_processes

    with pytest.raises(ModelError, match="at least 8 pictures per process"):
        train_processes(2, pictures[0][:12], tmp_path / "m.pt", TrainSettings(steps=2, batch=4, device="cpu"))
