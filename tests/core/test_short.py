"""Make a short: each rule of the recipe checked on generated footage where the answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core import timeline as tl
from core.assist.short import ShortSettings, make_short
from core.errors import MediaError
from core.jobs import Cancelled, CancelToken
from core.media import media_info, read_audio, write_wav


@pytest.fixture(scope="module")
def short(samples, tmp_path_factory):
    """A 12 s vertical short of the three sample clips and the title card, upbeat music (120 BPM)."""
    folder = tmp_path_factory.mktemp("short media")
    paths = [samples.path(name) for name in ("city-walk.mp4", "beach-drone.mp4", "studio-talk.mp4", "title-card.png")]
    settings = ShortSettings(seconds=12, title="Weekend", music="upbeat", backdrop=None)
    plans = []
    project = make_short(paths, settings, folder, on_plan=plans.append)
    assert len(plans) == 1
    return project, folder, samples, plans[0]


def _picture(project: tl.Project) -> list[tl.Clip]:
    track = next(t for t in project.tracks if t.name == "Video 1")
    return sorted(track.clips, key=lambda c: c.position)


def test_the_short_is_as_long_as_asked_and_vertical(short):
    project, folder, _, _ = short
    assert (project.width, project.height) == (1080, 1920)
    assert abs(project.duration_frames / project.fps - 12) <= 0.5  # beats given back to reach the length
    assert sorted(p.name for p in folder.iterdir()) == ["music-upbeat-120bpm-seed0.wav"]
    tl.validate_project(project)


def test_pieces_are_a_second_or_more_never_twice_the_same_shot_in_a_row(short):
    project, _, samples, _ = short
    clips = _picture(project)
    assert all(c.length >= project.fps for c in clips)

    def shot(clip: tl.Clip) -> tuple[str, int]:  # which shot (by the samples' own truth) a piece is from
        path = project.media[clip.media_id].path
        truth = samples.manifest["clips"].get(path.rsplit("/", 1)[-1], {})
        changes = [*truth.get("cuts", []), *(start for start, _ in truth.get("fades", []) + truth.get("dissolves", []))]
        middle = (clip.source_in + clip.source_out(project.fps)) / 2 * samples.manifest["fps"]
        return path, sum(change <= middle for change in changes)

    assert all(shot(a) != shot(b) for a, b in zip(clips, clips[1:], strict=False))


def test_no_piece_in_the_silence(short):
    project, _, samples, _ = short
    talk = next(m.id for m in project.media.values() if m.path.endswith("studio-talk.mp4"))
    pause = samples.manifest["clips"]["studio-talk.mp4"]["silences"][0]  # declared when it was made
    for clip in (c for c in _picture(project) if c.media_id == talk):
        inside = max(0.0, min(clip.source_out(project.fps), pause[1]) - max(clip.source_in, pause[0]))
        assert inside < 0.3, (clip.source_in, clip.source_out(project.fps))


def test_cuts_land_on_the_beat_with_hard_cuts_for_fast_music(short):
    project, _, _, _ = short
    footage = [c for c in _picture(project) if project.media[c.media_id].kind == "video"]
    beat = project.fps * 60 / 120  # 15 frames
    assert all(c.position % beat in (0, 1, beat - 1) for c in footage[1:])
    assert next(t for t in project.tracks if t.name == "Video 1").transitions == []  # 120 BPM: hard cuts


def test_music_ends_with_the_edit_without_a_side_chain(short):
    project, _, _, _ = short
    music = next(t for t in project.tracks if t.name == "Music")
    assert music.duck == 0 and music.clips[0].position == 0 and music.clips[0].end == project.duration_frames


def test_music_dips_only_while_someone_speaks(talking_clip, tmp_path):
    from core.compositor import Compositor
    from core.speech.voice import find_speech

    path, _, _ = talking_clip
    project = make_short([path], ShortSettings(seconds=8, music="chill", backdrop=None, aspect="16:9"),
                         tmp_path / "media")
    music = next(t for t in project.tracks if t.name == "Music").clips[0]
    gain = dict(music.volume_keys)
    assert min(gain.values()) < 0.3 and max(gain.values()) == 1.0
    # heard in the mix, where a piece plays a word: the music a quarter as loud as without its keys
    fps = project.fps
    clip, start, end = next((c, max(s.start, c.source_in), min(s.end, c.source_out(fps))) for c in _picture(project)
                            for s in find_speech(str(path)) if min(s.end, c.source_out(fps)) - max(s.start, c.source_in) > 0.4)
    at = clip.position / fps + (start - clip.source_in) / clip.speed + 0.1
    project.tracks[0].muted = True
    ducked = Compositor(project).audio_between(at, at + 0.2)
    music.volume_keys = []
    full = Compositor(project).audio_between(at, at + 0.2)
    assert np.sqrt((ducked**2).mean()) < 0.5 * np.sqrt((full**2).mean())


def test_the_creators_own_music_is_cut_on_its_beats(samples, tmp_path):
    song = samples.path("music-bed.wav")  # 120 BPM
    project = make_short([samples.path("city-walk.mp4"), samples.path("beach-drone.mp4")],
                         ShortSettings(seconds=6, music=str(song), backdrop=None), tmp_path / "media")
    music = next(t for t in project.tracks if t.name == "Music").clips[0]
    assert project.media[music.media_id].path == str(song) and not list((tmp_path / "media").iterdir())
    cuts = [c.position / project.fps for c in _picture(project)[1:]]
    assert cuts and all(min(t % 0.5, 0.5 - t % 0.5) < 0.05 for t in cuts)  # on the song's half-second beats


def test_a_voice_over_sets_the_length_and_the_footage_dips_under_it(samples, talking_clip, tmp_path):
    """A narration is not music: no beats to cut on, it is never ducked, the short ends at a
    pause in it (a breath after its last word), and the footage's own sound dips as it speaks.
    Generated music plays quietly under it, lower still under its words.
    Its script (the whole recording's) becomes captions of the narration, not of the footage."""
    from core.assist.short import (
        FOOTAGE_DUCK_DB,
        VOICE_BED_DB,
        VOICE_BED_DUCK_DB,
        VOICE_LEAD,
        VOICE_TAIL,
        _bed_level,
        _voice_over,
    )
    from core.speech.voice import Speech, find_speech

    readings = talking_clip[2]
    voice = talking_clip[0].parent / "talk.wav"  # three readings 1.5 s apart, about 22 s
    heard = find_speech(str(voice))
    skip = heard[0].start - VOICE_LEAD  # the recording's quiet before its first word is not played
    spans = [Speech(s.start - skip, s.end - skip) for s in heard]  # as the short plays them
    plans = []
    clips = [samples.path(name) for name in ("city-walk.mp4", "beach-drone.mp4", "studio-talk.mp4")]
    project = make_short(clips, ShortSettings(seconds=12, music=str(voice), backdrop=None, aspect="16:9",
                                              script="\n".join(readings)), tmp_path / "media", on_plan=plans.append)
    length = project.duration_frames / project.fps
    said_last = max(s.end for s in spans if s.end + VOICE_TAIL <= 12)
    assert abs(length - (said_last + VOICE_TAIL)) < 0.5 and not any(s.start < length - 0.3 < s.end for s in spans)
    narration = next(t for t in project.tracks if t.name == "Voice-over")
    assert narration.duck == 0 and narration.clips[0].volume_keys == [] and "voice-over" in plans[0].music
    assert skip > 1 and narration.clips[0].source_in == pytest.approx(skip, abs=0.01)
    (bed,) = next(t for t in project.tracks if t.name == "Music").clips
    made = list((tmp_path / "media").iterdir())
    assert made == [Path(project.media[bed.media_id].path)] and "quiet music under it" in plans[0].music
    gains = [g for _, g in bed.volume_keys]  # low under the words, a little up between the readings
    assert min(gains) / max(gains) == pytest.approx(10 ** (VOICE_BED_DUCK_DB / 20), rel=0.02)
    bed_file = project.media[bed.media_id].path
    assert _loudness(bed_file) + 20 * np.log10(max(gains)) == pytest.approx(_loudness(voice) + VOICE_BED_DB, abs=0.5)
    assert bed.length == project.duration_frames and bed.audio_fade_out > 0
    quiet = tmp_path / "quiet.wav"  # the same reading recorded 12 dB quieter: its bed follows it down
    write_wav(quiet, read_audio(str(voice), sample_rate=48000) * 10 ** (-12 / 20))
    assert 20 * np.log10(max(gains) / _bed_level(media_info(quiet), media_info(bed_file))) == pytest.approx(12, abs=1.0)
    plain = make_short(clips[:1], ShortSettings(seconds=4, music=str(voice), backdrop=None, music_under_voice=False),
                       tmp_path / "plain")
    assert "Voice-over" in [t.name for t in plain.tracks] and "Music" not in [t.name for t in plain.tracks]
    keyed = [c for c in _picture(project) if c.volume_keys]
    assert keyed and min(g for c in keyed for _, g in c.volume_keys) == pytest.approx(10 ** (FOOTAGE_DUCK_DB / 20), abs=0.01)
    (captions,) = [e for e in next(t for t in project.tracks if t.name == "Video 1").effects if e["type"] == "captions"]
    said = " ".join(c[2] for c in captions["params"]["cues"]).split()
    assert said == readings[0].split()  # the first reading is all the short plays, every word of it
    assert abs(captions["params"]["cues"][0][3][0][0] - VOICE_LEAD) < 0.2  # on the short's clock
    assert _voice_over(str(samples.path("music-bed.wav")), None) is None  # music stays music


def _loudness(path) -> float:
    from core.audio.loudness import integrated_loudness

    return integrated_loudness(read_audio(str(path), sample_rate=16000, channels=1), 16000)


def test_title_stills_and_framing(short):
    project, _, _, _ = short
    clips = _picture(project)
    assert clips[0].effects[0]["params"]["text"] == "Weekend"
    still = clips[-1]
    assert project.media[still.media_id].kind == "image" and still.length == 75  # 2.5 s, in the order given
    # 320x180 samples would be blown up 10x to fill 9:16: shown whole over their blur (no backdrop asked)
    assert {c.fit for c in clips} == {"blur"}


def test_slow_music_gets_crossfades_and_a_backdrop_goes_under_what_cannot_fill(samples, tmp_path):
    settings = ShortSettings(seconds=4, aspect="1:1", music="chill", backdrop="auto")
    project = make_short([samples.path("beach-drone.mp4")], settings, tmp_path)
    music = next(t for t in project.tracks if t.name == "Music").clips[0]
    assert music.volume_keys == []  # the footage's loud sound is music, not speech: no dips
    beat = project.fps * 60 / 85  # 21.2 frames: cuts on the nearest frame, never drifting off
    assert all(min(c.position % beat, beat - c.position % beat) <= 1 for c in _picture(project))
    assert project.tracks[0].name == "Backdrop" and project.tracks[0].clips[0].length == project.duration_frames
    backdrop = project.media[project.tracks[0].clips[0].media_id]
    assert (backdrop.width, backdrop.height) == (540, 540)  # half size: the generator's pictures are 128 px
    from core.compositor import Compositor

    with Compositor(project) as compositor:
        frame = compositor.frame_at(10).astype(float)
    corners = [frame[:16, :16], frame[:16, -16:], frame[-16:, :16], frame[-16:, -16:]]
    assert min(c.mean() for c in corners) > 3  # scaled up to fill the frame to its corners
    clips = _picture(project)
    assert {c.fit for c in clips} == {"fit"}  # whole, over the generated backdrop
    assert len(clips) == 2 and next(t for t in project.tracks if t.name == "Video 1").transitions  # 85 BPM: crossfades


def test_bad_input_and_cancel(samples, tmp_path):
    with pytest.raises(MediaError, match="shape"):
        make_short([samples.path("city-walk.mp4")], ShortSettings(aspect="4:3"), tmp_path)
    with pytest.raises(MediaError, match="at least one video or picture"):
        make_short([samples.path("music-bed.wav")], ShortSettings(), tmp_path)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        make_short([samples.path("city-walk.mp4")], ShortSettings(seconds=5, backdrop=None), tmp_path / "m", cancel=cancel)
    damaged = tmp_path / "voice.wav"  # chosen as the music: asked first whether it is a voice-over
    damaged.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    with pytest.raises(MediaError):
        make_short([samples.path("city-walk.mp4")], ShortSettings(seconds=5, music=str(damaged), backdrop=None),
                   tmp_path / "d")
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").iterdir())


def test_cancelled_midway_the_music_already_made_goes_again(samples, tmp_path):
    cancel = CancelToken()
    seen = []

    def progress(fraction: float, message: str = "") -> None:
        seen.append(fraction)
        if fraction >= 0.45:  # reframing: the music is written by now
            cancel.cancel()

    with pytest.raises(Cancelled):
        make_short([samples.path("city-walk.mp4")], ShortSettings(seconds=5, backdrop=None), tmp_path,
                   progress=progress, cancel=cancel)
    assert max(seen) >= 0.45 and list(tmp_path.iterdir()) == []


def test_the_plan_is_told_before_the_slow_steps_with_a_picture_per_piece(short):
    project, _, _, plan = short
    clips = _picture(project)
    assert len(plan.pictures) == len(clips) and all(p.shape[1] == 120 and p.mean() > 10 for p in plan.pictures)
    assert plan.seconds == [c.length / project.fps for c in clips]
    assert plan.music.startswith("music-upbeat") and "120 BPM" in plan.music and plan.title == "Weekend"


def test_no_piece_starts_or_ends_inside_a_spoken_word(short):
    from core.speech.voice import find_speech
    from core.speech.words import BREATHS

    project, _, _, _ = short
    talk = next(m for m in project.media.values() if m.path.endswith("studio-talk.mp4"))
    words = find_speech(talk.path, BREATHS)  # the generated talk: words, phrases and pauses
    pieces = [c for c in _picture(project) if c.media_id == talk.id]
    assert pieces and words
    for clip in pieces:
        for t in (clip.source_in, clip.source_out(project.fps)):
            assert not any(w.start + 0.02 < t < w.end - 0.02 for w in words), t


def test_a_piece_cut_inside_words_is_moved_between_them_keeping_whole_beats(samples):
    from core.assist.highlights import ScoredShot
    from core.assist.short import _between_words
    from core.speech.voice import find_speech
    from core.speech.words import BREATHS

    path = str(samples.path("studio-talk.mp4"))
    words = find_speech(path, BREATHS)
    inside = [w for w in words if w.duration > 0.3]
    start = (inside[0].start + inside[0].end) / 2  # mid-word
    end = next((w.start + w.end) / 2 for w in inside if w.start > start + 2.0)
    shot = ScoredShot(path, 0.0, 9.0, start, 0.1, 1.0, -20.0, 0)
    ((_, new_start, new_end),), _ = _between_words([(shot, start, end)], 0.5, None)
    for t in (new_start, new_end):
        assert not any(w.start + 0.02 < t < w.end - 0.02 for w in words), t
    beats = ((new_end - new_start) - (end - start)) / 0.5
    assert abs(beats - round(beats)) < 1e-6  # the cuts after it stay on the beats
    assert abs(new_start - start) <= 1.5


def test_a_script_becomes_captions_timed_to_the_shorts_own_speech(talking_clip, tmp_path):
    path, _, readings = talking_clip
    script = " ".join(readings)
    settings = ShortSettings(seconds=10, music=None, backdrop=None, script=script)
    project = make_short([path], settings, tmp_path / "media")
    pictures = next(t for t in project.tracks if t.name == "Video 1")
    (captions,) = [e for e in pictures.effects if e["type"] == "captions"]
    cues = captions["params"]["cues"]
    assert cues and all(len(c) == 4 for c in cues)
    said = " ".join(c[2] for c in cues).split()
    words = script.split()
    at = 0
    for word in said:  # the short's words, in the script's order (lines the short cut are left out)
        at = words.index(word, at) + 1
    assert len(said) >= 8
    seconds = project.duration_frames / project.fps
    assert all(0 <= w[0] < w[1] <= seconds + 0.01 for c in cues for w in c[3])
    tl.validate_project(project)


def test_in_speech_without_pauses_pieces_are_cut_where_one_word_gives_way_to_the_next(talking_clip, tmp_path):
    from core.speech.voice import find_speech
    from core.speech.words import BREATHS, word_edges

    path, _, _ = talking_clip  # read aloud: seven seconds at a time without a gap the detector hears
    project = make_short([path], ShortSettings(seconds=6, music="upbeat", backdrop=None, aspect="16:9"),
                         tmp_path / "media")
    speech = find_speech(str(path), BREATHS)
    edges = word_edges(str(path), 0.0, 30.0)
    for clip in _picture(project):
        for t in (clip.source_in, clip.source_out(project.fps)):
            speaking = any(s.start + 0.02 < t < s.end - 0.02 for s in speech)
            assert not speaking or min(abs(e - t) for e in edges) <= 0.06, t  # recognised again, out of context


def test_time_given_back_whole_beats_before_a_piece_when_its_shot_ends_with_it():
    """Seen in a walk: with a slow beat the pieces ended near their shots' ends, nothing could
    grow after them, and a 14 s short came out 11 s long."""
    from core.assist.highlights import ScoredShot
    from core.assist.short import _whole_beats_to_length

    shot = ScoredShot("a.mp4", 0.0, 10.0, 5.0, 0.1, 1.0, -20.0, 0)
    anywhere = lambda shot, t: True  # noqa: E731
    assert _whole_beats_to_length([(shot, 5.0, 9.5)], 5.5, 1.0, anywhere) == [(shot, 4.0, 9.5)]
    in_a_word = lambda shot, t: t != 4.0  # noqa: E731
    assert _whole_beats_to_length([(shot, 5.0, 9.5)], 5.5, 1.0, in_a_word) == [(shot, 5.0, 9.5)]


def test_footage_shorter_than_the_voice_over_ends_the_short_at_a_pause_it_reaches():
    from core.assist.highlights import ScoredShot
    from core.assist.short import VOICE_TAIL, _fit_to_voice, _voice_length
    from core.speech.voice import Speech

    voice = [Speech(0.5, 3.0), Speech(3.4, 6.0), Speech(6.5, 9.0)]
    shots = [ScoredShot("a.mp4", 0.0, 4.0, 2.0, 0.1, 1, -20, 0, 0.9), ScoredShot("b.mp4", 0.0, 3.0, 1.5, 0.1, 1, -20, 0, 0.5)]
    pieces = [(shots[0], 0.0, 4.0), (shots[1], 0.0, 3.0)]  # all there is: 7 s against the 9.6 s the voice asks
    fitted, seconds = _fit_to_voice(pieces, voice, 9.6, 0.0)
    assert seconds == pytest.approx(6.0 + VOICE_TAIL)  # the pause after "6.0", not mid-word at 7 s
    assert sum(end - start for _, start, end in fitted) == pytest.approx(seconds)
    assert _fit_to_voice(pieces, voice, 7.0, 0.0) == (pieces, 7.0)  # enough footage: as it was
    # A narration that ends just past the length asked is finished; one that goes on ends at a pause.
    assert _voice_length(voice, 8.8) == pytest.approx(9.0 + VOICE_TAIL)
    assert _voice_length(voice, 8.0) == pytest.approx(6.0 + VOICE_TAIL)
