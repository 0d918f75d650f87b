"""Effects checked on pixels: each does what it says, where it says, when it says."""

from __future__ import annotations

import numpy as np
import pytest

from core import timeline as tl
from core.effects import apply_effects, make_effect, value_at
from core.errors import EditError, MediaError

H, W = 180, 320


def scene() -> np.ndarray:
    """A mid-grey picture with some colour and detail."""
    rng = np.random.default_rng(0)
    frame = np.full((H, W, 3), 128, np.uint8)
    frame[:, : W // 3] = (180, 90, 60)
    frame[H // 3 : 2 * H // 3, W // 3 : 2 * W // 3] = rng.integers(60, 200, (2 * H // 3 - H // 3, 2 * W // 3 - W // 3, 3))
    return frame


def run(name: str, frame=None, t: float = 0.5, **params) -> np.ndarray:
    from core.effects import effect_type

    return apply_effects(scene() if frame is None else frame, t, [make_effect(name, **params)], effect_type(name).space)


# --- colour -----------------------------------------------------------------------------------


def test_vignette_darkens_corners_not_the_centre():
    out = run("vignette", np.full((H, W, 3), 200, np.uint8), strength=0.8)
    assert out[H // 2, W // 2].tolist() == [200, 200, 200]
    assert out[0, 0].max() < 80 and out[-1, -1].max() < 80


def test_tone_effects_move_values_the_right_way():
    grey = np.full((4, 4, 3), 100, np.uint8)
    assert run("brightness", grey, amount=0.2)[0, 0, 0] == 151
    assert run("contrast", np.array([[[60, 128, 200]]], np.uint8), amount=2.0)[0, 0].tolist() == [0, 128, 255]
    assert run("gamma", grey, gamma=2.0)[0, 0, 0] > 140
    warm = run("temperature", grey, amount=1.0)[0, 0]
    assert warm[0] > 100 > warm[2]
    colourful = np.array([[[200, 50, 50]]], np.uint8)
    assert np.ptp(run("saturation", colourful, amount=0.0)[0, 0]) <= 1  # grey
    assert np.ptp(run("saturation", colourful, amount=1.5)[0, 0]) > 150


def test_blur_smooths_and_sharpen_crisps():
    frame = scene()
    detail = frame[H // 3 : 2 * H // 3, W // 3 : 2 * W // 3].astype(float).std()
    blurred = run("blur", frame, radius=20)[H // 3 + 10 : 2 * H // 3 - 10, W // 3 + 10 : 2 * W // 3 - 10]
    assert blurred.astype(float).std() < detail / 3
    edge = np.zeros((H, W, 3), np.uint8)
    edge[:, W // 2 :] = 160
    edge[:, : W // 2] = 80
    sharp = run("sharpen", edge, amount=1.0)
    assert sharp[5, W // 2 - 1, 0] < 80 and sharp[5, W // 2, 0] > 160  # overshoot at the edge


def test_grain_is_texture_around_the_same_level_and_repeatable():
    flat = np.full((H, W, 3), 120, np.uint8)
    grainy = run("grain", flat, strength=1.0, seed=3).astype(float)
    assert abs(grainy.mean() - 120) < 2 and grainy.std() > 6
    assert np.array_equal(run("grain", flat, strength=1.0, seed=3), grainy.astype(np.uint8))


def _cube(path, transform, size=9):
    axis = np.linspace(0, 1, size)
    lines = [f"TITLE \"test\"\nLUT_3D_SIZE {size}"]
    for b in axis:
        for g in axis:
            for r in axis:
                lines.append(" ".join(f"{v:.6f}" for v in transform(r, g, b)))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_lut_applies_the_cube_and_names_what_is_wrong_with_bad_ones(tmp_path):
    frame = scene()
    identity = run("lut", frame, path=str(_cube(tmp_path / "id.cube", lambda r, g, b: (r, g, b))))
    assert np.abs(identity.astype(int) - frame).max() <= 4  # the table's resolution
    swapped = run("lut", frame, path=str(_cube(tmp_path / "swap.cube", lambda r, g, b: (b, g, r))))
    assert abs(int(swapped[5, 5, 0]) - frame[5, 5, 2]) <= 4 and abs(int(swapped[5, 5, 2]) - frame[5, 5, 0]) <= 4
    half = run("lut", frame, path=str(tmp_path / "swap.cube"), strength=0.5)
    assert abs(int(half[5, 5, 0]) - (int(frame[5, 5, 0]) + frame[5, 5, 2]) / 2) <= 4
    from core.effects.colour import read_cube

    (tmp_path / "short.cube").write_text("LUT_3D_SIZE 4\n0 0 0\n1 1 1\n")
    (tmp_path / "words.cube").write_text("LUT_3D_SIZE 2\n0 0 zero\n")
    (tmp_path / "1d.cube").write_text("LUT_1D_SIZE 4\n0 0 0\n")
    for name, message in (("short.cube", "incomplete"), ("words.cube", "not three numbers"), ("1d.cube", "not a 3D LUT"),
                          ("missing.cube", "could not be read")):
        with pytest.raises(MediaError, match=message):
            read_cube(tmp_path / name)


# --- key and compose --------------------------------------------------------------------------


def test_chroma_key_removes_green_keeps_skin_and_kills_spill():
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:] = (40, 190, 60)  # a lit green screen
    frame[:, :40] = (20, 110, 35)  # in shadow: still green
    frame[60:120, 120:200] = (224, 172, 140)  # skin
    frame[60:120, 200:210] = (150, 200, 120)  # skin edge with green spill
    keyed = run("chroma_key", frame)
    assert keyed.shape == (H, W, 4)
    assert keyed[5, 250, 3] == 0 and keyed[5, 10, 3] == 0
    assert keyed[90, 150, 3] == 255 and keyed[90, 150, :3].tolist() == [224, 172, 140]
    spill = keyed[90, 205]
    assert spill[3] > 0 and spill[1] <= max(spill[0], spill[2]) + 10  # green pulled down to the rest


def test_picture_in_picture_rounds_corners_and_draws_a_border():
    out = run("pip", np.full((H, W, 3), 50, np.uint8), corner_radius=0.2, border=0.03, border_colour=[255, 0, 0])
    assert out[0, 0, 3] == 0 and out[H // 2, W // 2, 3] == 255
    assert out[H // 2, 2, :3].tolist() == [255, 0, 0] and out[H // 2, W // 2, :3].tolist() == [50, 50, 50]


def test_keyed_clip_shows_the_track_below(samples, tmp_path):
    from core.compositor import Compositor
    from core.media import probe, write_image

    project = tl.Project.new("720p", fps=30)
    below = tl.MediaRef.from_info(probe(samples.path("beach-drone.mp4")))
    tl.add_media(project, below)
    tl.add_clip(project, project.tracks[0].id, tl.make_clip(project, below.id, 0, 0, 1))
    green = tmp_path / "green-card.png"
    card = np.zeros((90, 160, 3), np.uint8)
    card[:] = (0, 255, 0)
    card[30:60, 60:100] = (230, 180, 150)
    write_image(green, card)
    top = tl.MediaRef.from_info(probe(green))
    tl.add_media(project, top)
    clip = tl.make_clip(project, top.id, 0, 0, 1)
    clip.effects = [make_effect("chroma_key")]
    tl.add_clip(project, project.tracks[1].id, clip)
    with Compositor(project) as compositor:
        frame = compositor.frame_at(10)
        plain = Compositor(project)
        project.tracks[1].hidden = True
        underneath = plain.frame_at(10)
        plain.close()
    assert np.abs(frame[40, 40].astype(int) - underneath[40, 40]).max() <= 2  # green gone: the beach shows
    assert np.abs(frame[360, 640].astype(int) - (230, 180, 150)).max() <= 8  # the subject stays


# --- particles --------------------------------------------------------------------------------


def test_particles_are_deterministic_and_move():
    dark = np.zeros((H, W, 3), np.uint8)
    first = run("particles", dark, t=1.0, kind="snow", amount=60, seed=2)
    assert np.array_equal(first, run("particles", dark, t=1.0, kind="snow", amount=60, seed=2))
    assert not np.array_equal(first, run("particles", dark, t=1.0, kind="snow", amount=60, seed=5))
    later = run("particles", dark, t=1.5, kind="snow", amount=60, seed=2)
    assert first.sum() > 0 and not np.array_equal(first, later)
    for kind in ("sparkles", "confetti", "bokeh"):
        assert run("particles", dark, t=0.7, kind=kind, amount=40).sum() > 0
    with pytest.raises(EditError, match="'kind' must be one of snow"):
        make_effect("particles", kind="fireworks")


# --- text -------------------------------------------------------------------------------------


def _changed(a, b) -> int:
    return int((np.abs(a.astype(int) - b).max(axis=2) > 30).sum())


def test_title_appears_when_asked_and_animates():
    bg = np.full((H, W, 3), 60, np.uint8)
    params = dict(text="Hello there", start=1.0, end=3.0, animation_in="fade", animation_out="slide", transition=0.5)
    assert _changed(run("title", bg, t=0.5, **params), bg) == 0  # not yet
    full = _changed(run("title", bg, t=2.0, **params), bg)
    assert full > 300
    half_faded = run("title", bg, t=1.25, **params)
    assert 0 < np.abs(half_faded.astype(int) - bg).max() < np.abs(run("title", bg, t=2.0, **params).astype(int) - bg).max()
    assert _changed(run("title", bg, t=3.1, **params), bg) == 0  # gone after its end
    typed = _changed(run("title", bg, t=1.25, **{**params, "animation_in": "typewriter"}), bg)
    assert 0 < typed < full * 0.75
    popped = _changed(run("title", bg, t=1.05, **{**params, "animation_in": "pop"}), bg)
    assert popped < full


def test_captions_highlight_the_word_being_said():
    bg = np.full((360, 640, 3), 40, np.uint8)
    cues = [[0.0, 2.0, "one two three four"]]
    yellow = (255, 214, 0)

    def highlight_x(t):
        out = run("captions", bg, t=t, cues=cues)
        mask = (np.abs(out.astype(int) - yellow).max(axis=2) < 40)
        return np.flatnonzero(mask.any(axis=0)).mean()

    assert highlight_x(0.1) < highlight_x(1.0) < highlight_x(1.9)  # the highlight walks along
    assert np.array_equal(run("captions", bg, t=2.5, cues=cues), bg)  # no caption after the cue


def test_captions_sit_in_the_safe_area_of_a_vertical_canvas():
    tall = np.zeros((640, 360, 3), np.uint8)
    out = run("captions", tall, t=0.5, cues=[[0, 1, "a caption for shorts"]])
    rows = np.flatnonzero(out.max(axis=(1, 2)) > 100)
    assert 0.5 * 640 < rows.mean() < 0.75 * 640  # above the bottom fifth the apps cover


def test_srt_round_trip_and_sloppy_files(tmp_path):
    from core.effects.srt import parse_srt, read_srt, write_srt

    cues = [[1.0, 2.5, "Hello there"], [3.0, 4.25, "Second line"]]
    write_srt(cues, tmp_path / "a.srt")
    assert read_srt(tmp_path / "a.srt") == cues
    sloppy = "\ufeff1\r\n00:00:01.000 --> 00:00:02,500\r\n<i>Hello</i>\r\nthere\r\n\r\n\r\n00:00:03,000 --> 00:00:04,250\r\nSecond line"
    assert parse_srt(sloppy) == cues
    (tmp_path / "bad.srt").write_text("1\n00:00:xx --> 00:00:02,000\nHi\n")
    (tmp_path / "backwards.srt").write_text("1\n00:00:05,000 --> 00:00:02,000\nHi\n")
    (tmp_path / "empty.srt").write_text("\n\n")
    (tmp_path / "binary.srt").write_bytes(b"\x00\x01\x02" * 50)
    for name, message in (("bad.srt", "line 2"), ("backwards.srt", "ends before it starts"),
                          ("empty.srt", "no captions"), ("binary.srt", "not a subtitle"), ("none.srt", "could not be read")):
        with pytest.raises(MediaError, match=message):
            read_srt(tmp_path / name)


# --- framework --------------------------------------------------------------------------------


def test_keyframes_interpolate_linearly_and_eased():
    keys = {"keys": [[0, 0.0, "linear"], [2, 1.0, "ease"], [4, 0.0]]}
    assert value_at(keys, -1) == 0.0 and value_at(keys, 1) == pytest.approx(0.5)
    assert value_at(keys, 2.5) > 0.75  # eased: slow to leave the key
    assert value_at(keys, 5) == 0.0
    assert value_at({"keys": [[0, [0, 0, 0]], [1, [255, 100, 0]]]}, 0.5) == [127.5, 50, 0]
    bright = make_effect("brightness", amount={"keys": [[0, 0.0], [1, 0.5]]})
    grey = np.full((2, 2, 3), 100, np.uint8)
    assert apply_effects(grey, 0, [bright])[0, 0, 0] == 100 < apply_effects(grey, 1, [bright])[0, 0, 0]


def test_effects_stack_in_order_and_can_be_disabled():
    grey = np.full((2, 2, 3), 100, np.uint8)
    stack = [make_effect("brightness", amount=0.2), make_effect("contrast", amount=0.0)]
    assert apply_effects(grey, 0, stack)[0, 0, 0] == 128  # flattened last
    assert apply_effects(grey, 0, stack[::-1])[0, 0, 0] == 179  # flattened first, then brightened
    stack[1]["enabled"] = False
    assert apply_effects(grey, 0, stack)[0, 0, 0] == 151


def test_bad_effects_are_named():
    for effect, message in (({"type": "sparkle"}, "Unknown effect 'sparkle'"),
                            ({"type": "vignette", "params": {"amount": 1}}, "no setting 'amount'"),
                            ({"type": "gamma", "params": {"gamma": 0}}, "'gamma' must be between 0.05 and 20"),
                            ({"type": "blur", "params": {"radius": {"keys": [[0]]}}}, "keyframes of 'radius'")):
        with pytest.raises(EditError, match=message):
            make_effect(effect["type"], **effect.get("params", {}))


def test_effect_edits_undo(samples):
    from core.media import probe

    project = tl.Project.new()
    media = tl.MediaRef.from_info(probe(samples.path("city-walk.mp4")))
    tl.add_media(project, media)
    clip = tl.make_clip(project, media.id, 0)
    tl.add_clip(project, project.tracks[0].id, clip)
    added = tl.add_effect(project, clip.id, make_effect("vignette"))
    changed = tl.set_effect_params(project, clip.id, 0, strength={"keys": [[0, 0.2], [2, 0.9]]})
    assert project.tracks[0].clips[0].effects[0]["params"]["strength"]["keys"][1] == [2, 0.9]
    changed.undo(project)
    added.undo(project)
    assert project.tracks[0].clips[0].effects == []
    with pytest.raises(EditError, match="no such effect"):
        tl.remove_effect(project, clip.id, 0)
    with pytest.raises(EditError, match="Unknown effect"):
        tl.add_effect(project, clip.id, {"type": "nope", "params": {}})


def test_freeze_frame_holds_one_picture_and_pushes_the_rest(samples, tmp_path):
    from core.compositor import Compositor
    from core.media import probe
    from core.project_io import load_project, save_project

    project = tl.Project.new("720p", fps=30)
    media = tl.MediaRef.from_info(probe(samples.path("beach-drone.mp4")))
    tl.add_media(project, media)
    first = tl.make_clip(project, media.id, 0, 0, 2)
    tl.add_clip(project, project.tracks[0].id, first)
    after = tl.make_clip(project, media.id, 60, 2, 3)
    tl.add_clip(project, project.tracks[0].id, after)
    edit = tl.freeze_frame(project, first.id, 30, seconds=1)
    clips = project.tracks[0].clips
    assert [(c.position, c.length, c.freeze) for c in clips] == [(0, 30, False), (30, 30, True), (60, 30, False), (90, 30, False)]
    assert clips[1].source_in == pytest.approx(1.0) and clips[2].source_in == pytest.approx(1.0)
    with Compositor(project) as compositor:
        held = [compositor.frame_at(f) for f in (30, 45, 59)]
        moving = compositor.frame_at(60), compositor.frame_at(62)
        silent = compositor.audio_between(1.1, 1.9)
    assert all(np.array_equal(held[0], h) for h in held[1:])
    assert np.abs(held[0].astype(int) - moving[0]).mean() < 3  # the hold is the frame the clip resumes from
    assert not np.array_equal(*moving)
    assert np.abs(silent).max() == 0
    save_project(project, tmp_path / "f.reelsmith")
    assert [c.freeze for c in load_project(tmp_path / "f.reelsmith").tracks[0].clips] == [False, True, False, False]
    edit.undo(project)
    assert [(c.position, c.length) for c in project.tracks[0].clips] == [(0, 60), (60, 30)]
    with pytest.raises(EditError, match="on the clip"):
        tl.freeze_frame(project, first.id, 200)


def test_a_finished_short_exports_with_every_layer(tmp_path, tiny_model):
    """A keyed presenter over a generated backdrop, with a LUT, particles, a title and captions
    from an SRT file: the exported file shows each where and when it should."""
    from core.effects.srt import read_srt
    from core.export import ExportSettings, export_project
    from core.gan.backdrop import BackdropSettings, render_backdrop
    from core.media import VideoReader, encode_video, probe

    size, fps = (320, 180), 30
    backdrop = render_backdrop(BackdropSettings(seconds=2, width=320, height=180, fps=fps, model=str(tiny_model)),
                               tmp_path / "backdrop.mp4")
    frames = []
    for i in range(60):
        frame = np.zeros((180, 320, 3), np.uint8)
        frame[:] = (30, 200, 50)
        frame[60:150, 120 + i:180 + i] = (225, 175, 145)  # the presenter, moving right
        frames.append(frame)
    subject = tmp_path / "presenter.mp4"
    encode_video(subject, iter(frames), size, fps, None, 60)
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nwatch this space\n")
    cube = _cube(tmp_path / "warm.cube", lambda r, g, b: (min(1, r * 1.3), g, b * 0.7))

    project = tl.Project.new("720p", fps=fps)
    project.width, project.height = size
    refs = [tl.MediaRef.from_info(probe(p)) for p in (backdrop, subject)]
    for ref in refs:
        tl.add_media(project, ref)
    under = tl.make_clip(project, refs[0].id, 0)
    under.effects = [make_effect("lut", path=str(cube))]
    tl.add_clip(project, project.tracks[0].id, under)
    over = tl.make_clip(project, refs[1].id, 0)
    over.effects = [make_effect("chroma_key"), make_effect("particles", kind="snow", amount=40, seed=1),
                    make_effect("title", text="HELLO", y=0.2, start=0.0, end=2.0, animation_in="none", size=0.15),
                    make_effect("captions", cues=read_srt(srt))]
    tl.add_clip(project, project.tracks[1].id, over)
    out = tmp_path / "short.mp4"
    export_project(project, out, ExportSettings(320, 180, fps))

    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (320, 180, 60)
    with VideoReader(info) as reader:
        early, late = reader.frame(5).astype(int), reader.frame(50).astype(int)
    assert np.abs(early[100, 130] - (225, 175, 145)).max() < 25  # the presenter is kept...
    assert early[100, 20, 1] < 150 or np.abs(early[100, 20] - (30, 200, 50)).max() > 60  # ...the green is gone
    assert np.abs(late[100, 130] - early[100, 130]).max() > 40  # and has moved on by frame 50
    title_band = early[25:50, 100:220]
    assert (title_band.max(axis=2) > 235).sum() > 100  # white title letters at the top
    def highlighted_x(frame):  # where the yellow caption word is
        xs = np.flatnonzero((np.abs(frame[130:170] - (255, 214, 0)).max(axis=2) < 70).any(axis=0))
        assert len(xs) > 3
        return xs.mean()

    assert highlighted_x(early) + 40 < highlighted_x(late)  # "watch" first, "space" at the end


def test_track_effects_adjust_everything_below_but_not_above(samples, tmp_path):
    from core.compositor import Compositor
    from core.media import probe, write_image
    from core.project_io import load_project, save_project

    project = tl.Project.new("720p", fps=30)
    project.width, project.height = 320, 180
    card = tmp_path / "grey-card.png"
    write_image(card, np.full((90, 160, 3), 120, np.uint8))
    media = tl.MediaRef.from_info(probe(card))
    tl.add_media(project, media)
    bottom, top = project.tracks[0], project.tracks[1]
    tl.add_clip(project, bottom.id, tl.make_clip(project, media.id, 0, 0, 2))
    small = tl.make_clip(project, media.id, 0, 0, 2)
    small.scale, small.pan_x = 0.3, 0.3
    tl.add_clip(project, top.id, small)
    tl.set_track_effects(project, bottom.id, [make_effect("brightness", amount=0.3)])
    with Compositor(project) as compositor:
        frame = compositor.frame_at(5)
    assert abs(int(frame[90, 20, 0]) - 197) <= 2  # the bottom track, brightened
    assert abs(int(frame[90, 256, 0]) - 120) <= 2  # the clip above is untouched
    save_project(project, tmp_path / "t.reelsmith")
    assert load_project(tmp_path / "t.reelsmith").tracks[0].effects == bottom.effects
    with pytest.raises(EditError, match="no picture"):
        tl.set_track_effects(project, project.tracks[2].id, [make_effect("blur")])


def test_settings_out_of_their_declared_range_are_refused_by_name():
    with pytest.raises(EditError, match="Vignette: 'strength' must be between 0 and 1"):
        make_effect("vignette", strength=1.5)
    with pytest.raises(EditError, match="'amount' must be between 0 and 2000"):
        make_effect("particles", amount=5000)
    with pytest.raises(EditError, match="'colour' must be between 0 and 255"):
        make_effect("title", colour=[255, 300, 0])
    with pytest.raises(EditError, match="'animation_in' must be one of none, fade"):
        make_effect("title", animation_in="spin")
    with pytest.raises(EditError, match="'size' must be between"):  # a keyframe out of range too
        make_effect("title", size={"keys": [[0, 0.05], [1, 3.0]]})
    assert make_effect("title", colour=[10, 20, 30], size={"keys": [[0, 0.05], [1, 0.1]]})["type"] == "title"


def test_every_effect_setting_declares_what_it_takes():
    """So the file format's settings table can be made from the registry: each setting says
    what it means, and each number its range."""
    import dataclasses

    from core.effects import _TYPES, all_effects

    for kind in all_effects():
        for field in dataclasses.fields(kind.params):
            assert field.metadata.get("doc"), f"{kind.name}.{field.name} says nothing about itself"
            assert str(field.type) in _TYPES, f"{kind.name}.{field.name}: no check for its type {field.type}"
            numeric = field.type in ("float", "int") or "tuple[int" in str(field.type)
            assert not numeric or field.metadata.get("low") is not None, f"{kind.name}.{field.name} has no range"


def test_particles_are_bounded_by_their_total_area_not_just_each_setting():
    """2000 bokeh particles at three times the size took 28 s a frame at 4K: refused by name."""
    make_effect("particles", kind="snow", amount=2000, size=3)  # small ones: many may fall
    make_effect("particles", kind="bokeh", amount=400, size=1)
    with pytest.raises(EditError, match="lower the amount or the size"):
        make_effect("particles", kind="bokeh", amount=2000, size=3)


def test_a_title_made_for_16_9_stays_inside_a_9_16_frame():
    """A wide title on a vertical canvas shrinks to the safe width instead of being cut off."""
    tall = np.zeros((640, 360, 3), np.uint8)
    done = run("title", tall, t=1.0, text="SUBSCRIBE FOR MORE", size=0.1, animation_in="none", shadow=False)
    columns = np.flatnonzero(done.max(axis=(0, 2)) > 0)
    assert columns.min() >= 360 * 0.04 and columns.max() <= 360 * 0.96  # inside, with a margin
    from core.effects.text import fitted_px

    assert fitted_px("Hi", 36, 0.08, 0.9 * 640) == 36  # text that fits keeps its size
    assert fitted_px("SUBSCRIBE FOR MORE", 64, 0.08, 0.9 * 360) < 64
