"""Person mattes and the background effect: models, stability, the effect, the recipe."""

from __future__ import annotations

import numpy as np
import pytest

from core import recipes
from core import timeline as tl
from core.errors import EditError, ModelError


@pytest.fixture(scope="module")
def carphone(shared_media):
    from core.media import media_info

    return media_info(shared_media / "carphone.mp4")


@pytest.fixture(scope="module")
def person_over_film(shared_media, carphone, tmp_path_factory):
    """The carphone man over the goldeneye film, with camera noise: the answer is his own
    matte on the clean clip. Returns the video's path and the true alphas by frame."""
    from core.media import VideoReader, encode_video, media_info
    from core.samples import person_over
    from core.vision.matte import PersonMattes

    size, count = (352, 288), 45
    clean = PersonMattes(carphone)
    film = media_info(shared_media / "goldeneye-vfr-drop3.mp4")
    import cv2

    with VideoReader(carphone, size) as people, VideoReader(film, size) as behind:
        faces = np.stack([people.frame(i) for i in range(count)])
        backgrounds = np.stack([behind.frame(i + 20) for i in range(count)])
    truth = np.stack([cv2.resize(clean.mask(i), size, interpolation=cv2.INTER_LINEAR) for i in range(count)])
    truth = np.where(truth > 127, 255, 0).astype(np.uint8)  # a hard answer: IoU needs one
    frames = person_over(faces, truth, backgrounds, noise=4.0)
    out = tmp_path_factory.mktemp("person") / "person-over-film.mp4"
    encode_video(out, iter(frames), size, 30, crf=16)
    return out, truth


def test_the_four_shipped_models_load_and_run():
    from core.vision.litert import model

    for name, shape in (("selfie_segmentation.tflite", (1, 256, 256, 3)),
                        ("selfie_segmentation_landscape.tflite", (1, 144, 256, 3)),
                        ("face_detection_short_range.tflite", (1, 128, 128, 3)),
                        ("face_detection_full_range_sparse.tflite", (1, 192, 192, 3))):
        net = model(name)
        assert net.input_shape == shape
        outputs = net.run(np.zeros(shape, np.float32))
        assert outputs and all(np.isfinite(o).all() for o in outputs)


@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_a_missing_or_damaged_model_is_a_clear_error_and_the_rest_still_renders(damage, tmp_path, monkeypatch, samples):
    from core.compositor import Compositor
    from core.effects import make_effect
    from core.quick import project_from_media
    from core.vision import litert

    models = tmp_path / "models"
    models.mkdir()
    if damage == "damaged":
        (models / "selfie_segmentation_landscape.tflite").write_bytes(b"not a model at all" * 100)
    monkeypatch.setenv("REELSMITH_RESOURCES", str(tmp_path))
    litert.model.cache_clear()
    try:
        project = project_from_media([samples.path("studio-talk.mp4")], 320, 180, 30)
        clip = project.tracks[0].clips[0]
        with Compositor(project) as compositor:
            assert compositor.frame_at(3).shape == (180, 320, 3)  # without the effect: fine
            clip.effects = [make_effect("background", mode="blur")]
            with pytest.raises(ModelError, match=f"{damage}.*(Reinstall|fetch_models)"):
                compositor.frame_at(4)
            clip.effects = [make_effect("brightness", amount=0.2)]
            assert compositor.frame_at(5).shape == (180, 320, 3)  # and after it, other effects still work
    finally:
        litert.model.cache_clear()


def test_the_matte_finds_the_person_over_other_footage(person_over_film):
    from core.vision.matte import PersonMattes

    path, truth = person_over_film
    mattes = PersonMattes(path)
    import cv2

    ious = []
    for i in range(0, len(truth), 4):
        found = cv2.resize(mattes.mask(i), truth.shape[2:0:-1]) > 127
        wanted = truth[i] > 127
        ious.append((found & wanted).sum() / (found | wanted).sum())
    assert np.mean(ious) > 0.85, ious


def test_masks_are_the_same_in_any_order_and_steady_where_nothing_moves(tmp_path, carphone):
    from core.media import VideoReader, encode_video
    from core.vision.matte import CHUNK, PersonMattes, raw_mask

    with VideoReader(carphone) as reader:
        still = reader.frame(30)
    rng = np.random.default_rng(0)
    frames = [np.clip(still + rng.normal(0, 3, still.shape), 0, 255).astype(np.uint8) for _ in range(2 * CHUNK + 6)]
    path = tmp_path / "still.mp4"
    encode_video(path, iter(frames), (still.shape[1], still.shape[0]), 30, crf=16)
    backwards = PersonMattes(path)
    late = [backwards.mask(i) for i in (CHUNK + 3, CHUNK, CHUNK - 1, 2)]
    forwards = PersonMattes(path)
    assert all(np.array_equal(m, forwards.mask(i)) for m, i in zip(late, (CHUNK + 3, CHUNK, CHUNK - 1, 2), strict=True))
    settled = np.stack([forwards.mask(i) for i in range(8, 2 * CHUNK + 6)]).astype(np.float32)
    raw = np.stack([raw_mask(f) * 255 for f in frames[8:]]).astype(np.float32)
    flicker, raw_flicker = np.abs(np.diff(settled, axis=0)).mean(), np.abs(np.diff(raw, axis=0)).mean()
    assert flicker < 0.7 * raw_flicker  # steadier than the network frame by frame, across the chunk's seam too
    seam = np.abs(settled[CHUNK - 8] - settled[CHUNK - 9]).mean()
    assert seam <= 3 * flicker + 0.5


def test_the_matte_follows_a_moving_person_without_lag(tmp_path, carphone):
    """The man slides across the frame 6 px a frame: the settled matte must be where the
    network sees him now, not where he was (the running average lets motion through whole)."""
    import cv2

    from core.media import VideoReader, encode_video
    from core.vision.matte import PersonMattes, raw_mask

    with VideoReader(carphone) as reader:
        picture = reader.frame(30)
    frames = [np.roll(picture, 6 * i - 60, axis=1) for i in range(20)]
    path = tmp_path / "moving.mp4"
    encode_video(path, iter(frames), (picture.shape[1], picture.shape[0]), 30, crf=16)
    mattes = PersonMattes(path)

    def centre(mask):
        mask = cv2.resize(mask, (picture.shape[1], picture.shape[0])).astype(np.float32)
        return (mask.sum(axis=0) * np.arange(mask.shape[1])).sum() / mask.sum()

    with VideoReader(mattes.info) as reader:
        seen = [centre(np.round(raw_mask(reader.frame(i), mattes.name) * 255).astype(np.uint8)) for i in (9, 19)]
    settled = [centre(mattes.mask(i)) for i in (9, 19)]
    assert seen[1] - seen[0] > 40  # he did move
    assert all(abs(a - b) < 2.0 for a, b in zip(settled, seen, strict=True)), (settled, seen)


def test_the_effect_in_each_mode(carphone):
    from core.effects import Source, apply_effects, make_effect
    from core.media import frame_at

    picture = frame_at(carphone, 1.0)
    source = Source(carphone.path, 1.0)
    cut = apply_effects(picture, 0.0, [make_effect("background", mode="replace")], source=source)
    assert cut.shape[2] == 4
    h, w = cut.shape[:2]
    assert cut[h // 3, w // 2, 3] > 200 and cut[5, 5, 3] < 40 and cut[5, -5, 3] < 40  # his face kept, the car gone
    blurred = apply_effects(picture, 0.0, [make_effect("background", mode="blur", blur=1.0)], source=source)
    assert blurred.shape == picture.shape and np.abs(blurred[h // 3, w // 2].astype(int) - picture[h // 3, w // 2]).max() < 12
    edges = lambda x: np.abs(np.diff(x[:20].astype(np.float32), axis=1)).mean()  # noqa: E731
    assert edges(blurred) < 0.6 * edges(picture)  # the car's window frame, softened
    flat = apply_effects(picture, 0.0, [make_effect("background", mode="colour", colour=[0, 0, 255])], source=source)
    assert flat[3, 3].tolist() == [0, 0, 255]
    with pytest.raises(EditError, match="mode"):
        make_effect("background", mode="green")
    grown = apply_effects(picture, 0.0, [make_effect("background", edge=1.0)], source=source)
    assert (grown[..., 3] > 127).sum() > (cut[..., 3] > 127).sum()  # more of his outline kept


def test_replace_background_puts_the_backdrop_under_the_clip_as_one_step(samples):
    from core.media import media_info
    from core.quick import project_from_media

    project = project_from_media([samples.path("studio-talk.mp4"), samples.path("music-bed.wav")], 320, 180, 30)
    tracks_before = len(project.tracks)
    video = project.tracks[0]
    clip = video.clips[0]
    backdrop = tl.MediaRef.from_info(media_info(samples.path("beach-drone.mp4")))
    edit = recipes.replace_background(project, clip.id, backdrop)
    below = project.tracks[project.tracks.index(project.track(video.id)) - 1]
    assert below.name == "Background" and below.clips[0].position == clip.position
    assert below.clips[0].length == min(clip.length, round(backdrop.duration * 30))
    assert project.find_clip(clip.id)[1].effects[-1]["type"] == "background"
    assert recipes.background_refusal(project, clip.id) and "already" in recipes.background_refusal(project, clip.id)
    edit.undo(project)
    assert not project.find_clip(clip.id)[1].effects and len(project.tracks) == tracks_before
    sound = next(c for t in project.tracks if t.kind == tl.AUDIO_TRACK for c in t.clips)
    with pytest.raises(EditError, match="picture"):
        recipes.replace_background(project, sound.id, None)


def test_preparing_the_background_cancelled_leaves_no_file(samples, tmp_path):
    from core.assist.background import prepare_background
    from core.jobs import Cancelled, CancelToken

    token = CancelToken()

    def progress(fraction, _message):
        if fraction > 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        prepare_background(samples.path("studio-talk.mp4"), 6.0, (320, 180), 30, tmp_path, progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []
    made = prepare_background(samples.path("studio-talk.mp4"), 2.0, (320, 180), 30, tmp_path)
    from core.media import media_info

    info = media_info(made)
    assert (info.width, info.height) == (320, 180) and abs(info.duration - 2.0) < 0.1


def test_headroom_puts_a_face_on_the_upper_third_and_never_uncovers_the_canvas():
    from core.recipes import HEADROOM_LINE, headroom

    for face_y in (0.3, 0.45, 0.5, 0.6, 0.8):
        scale, pan_y = headroom(face_y, enlargement=1.0)
        assert abs(pan_y) <= (scale - 1) / 2 + 1e-4  # the picture still covers the canvas top to bottom
        shown_at = 0.5 + pan_y + (face_y - 0.5) * scale
        assert shown_at <= HEADROOM_LINE + 1e-3 or scale == pytest.approx(3.0)
    assert headroom(0.5, 1.0) == (pytest.approx(1.4, abs=1e-3), pytest.approx(-0.2, abs=1e-3))
    assert headroom(0.25, 1.0) == (1.0, 0.0)  # already high enough: no zoom
    assert headroom(0.5, 2.9)[0] <= 3.0 / 2.9 + 1e-4  # never blown up past the fill limit


def test_a_talking_head_reframed_to_9_16_has_its_face_in_the_upper_third(carphone, tmp_path):
    from core.assist.reframe import reframe_clips
    from core.compositor import Compositor
    from core.ffmpeg import run_ffmpeg
    from core.quick import project_from_media
    from core.vision.faces import detect_faces

    bigger = tmp_path / "carphone-288p.mp4"
    run_ffmpeg("-i", carphone.path, "-vf", "scale=352:288", "-c:v", "libx264", str(bigger), timeout=60)
    project = project_from_media([bigger], 216, 384, 30)
    clip = project.tracks[0].clips[0]
    keys, faces = reframe_clips([(clip.id, str(bigger), clip.source_in, clip.source_out(30))])
    assert clip.id in faces and 0.4 < faces[clip.id] < 0.6  # the man's face sits mid-height in his car
    recipes.apply_reframe(project, keys, faces)
    clip = project.tracks[0].clips[0]
    assert clip.fit == "fill" and clip.scale > 1.2 and clip.pan_y < 0
    with Compositor(project) as compositor:
        heights = [detect_faces(compositor.frame_at(f))[0].centre[1] for f in (15, 45, 75, 105)]
    assert all(0.2 < y < 0.37 for y in heights), heights


def test_the_effect_looks_the_same_in_preview_and_export(carphone, tmp_path):
    from core.compositor import Compositor
    from core.effects import make_effect
    from core.export import ExportSettings, export_project
    from core.media import frame_at
    from core.quick import project_from_media

    project = project_from_media([carphone.path], 320, 240, 30)
    clip = project.tracks[0].clips[0]
    clip.effects = [make_effect("background", mode="colour", colour=[250, 40, 160])]
    out = tmp_path / "out.mp4"
    export_project(project, out, ExportSettings(320, 240, 30, "best"))
    with Compositor(project) as compositor:
        for frame in (5, 50, 100):
            shown = compositor.frame_at(frame).astype(np.float32)
            exported = frame_at(out, (frame + 0.5) / 30).astype(np.float32)
            assert np.abs(shown - exported).mean() < 4, frame  # the same matte: only the encoder differs
            assert (np.abs(shown - [250, 40, 160]).sum(axis=2) < 30).mean() > 0.2  # the colour is behind him
