from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.errors import MediaError
from core.media import (
    SAMPLE_RATE,
    VideoReader,
    fit_size,
    frame_at,
    probe,
    read_audio,
    thumbnail,
    write_wav,
)

# --- probing -----------------------------------------------------------------------------------


def test_the_ffmpeg_build_is_the_one_the_probe_parses():
    """The probe parses ffmpeg's log text: another build may word it differently. Before
    changing the pin, run these tests and bench/probe.py on the new build."""
    from core.ffmpeg import PARSED_BUILD, ffmpeg_build

    assert ffmpeg_build() == PARSED_BUILD, (
        f"the bundled ffmpeg is {ffmpeg_build()!r}, but the probe was checked against {PARSED_BUILD!r}: "
        "check the probe on this build, then update PARSED_BUILD and the imageio-ffmpeg pin")


def test_probe_generated_clip_reports_every_field(samples):
    info = probe(samples.path("city-walk.mp4"))
    truth = samples.manifest["clips"]["city-walk.mp4"]
    assert info.kind == "video"
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(30.0)
    assert not info.vfr
    assert info.frame_count == truth["frames"]
    assert info.duration == pytest.approx(truth["frames"] / 30, abs=1e-3)
    assert info.codec == "h264"
    assert info.has_audio and info.sample_rate == 48000 and info.channels == 2
    assert info.rotation == 0


def test_probe_rotated_phone_video_reports_display_size(shared_media):
    info = probe(shared_media / "issue-134-rotate.mp4")
    assert info.rotation == 90
    assert (info.width, info.height) == (544, 1280)  # stored 1280x544, shown portrait
    assert info.has_audio and info.sample_rate == 44100


def test_probe_variable_frame_rate(shared_media):
    info = probe(shared_media / "goldeneye-vfr-drop3.mp4")
    assert info.vfr
    assert info.frame_count == 160
    assert info.fps == pytest.approx(16.05, abs=0.05)  # the average rate of the kept frames
    gaps = np.diff(info.frame_times)
    assert gaps.max() == pytest.approx(2 * gaps.min(), rel=0.01)  # every third frame dropped


@pytest.mark.parametrize("name", ["counter.mp4", "fades.mp4"])
def test_probe_constant_frame_rate_real_footage(shared_media, name):
    info = probe(shared_media / name)
    assert not info.vfr
    assert info.frame_count == {"counter.mp4": 30, "fades.mp4": 250}[name]
    assert info.fps == {"counter.mp4": 10.0, "fades.mp4": 25.0}[name]


def test_probe_still_image_and_audio_file(samples, tmp_path):
    still = probe(samples.path("title-card.png"))
    assert still.kind == "image" and still.duration is None
    assert (still.width, still.height) == (320, 180)
    audio = probe(samples.path("music-bed.wav"))
    assert audio.kind == "audio" and not audio.has_video
    assert audio.duration == pytest.approx(20.0, abs=0.02)
    assert audio.has_audio and audio.sample_rate == SAMPLE_RATE and audio.channels == 2


def test_non_ascii_path_with_spaces(samples, tmp_path):
    folder = tmp_path / "Fête d'été 2026"
    folder.mkdir()
    target = folder / "clip 1 ✓ – 東京.mp4"
    shutil.copy(samples.path("beach-drone.mp4"), target)
    info = probe(target)
    assert info.path == str(target)
    assert frame_at(info, 1.0).shape == (180, 320, 3)
    assert thumbnail(target, width=160).shape == (90, 160, 3)


EXPECTED_REASONS = {
    "empty": "empty",
    "truncated": "ends early",
    "random": "not a video, audio or image file",
    "text": "not a video, audio or image file",
    "folder": "is a folder",
    "missing": "could not be found",
    "unsupported": "no video or audio",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_REASONS))
def test_bad_input_raises_media_error_with_reason(bad_media, kind):
    path = bad_media[kind]
    with pytest.raises(MediaError) as caught:
        probe(path)
    message = str(caught.value)
    assert path.name in message
    assert EXPECTED_REASONS[kind] in message
    assert "Traceback" not in message and "\n" not in message


def test_truncated_file_with_index_at_front_is_reported(samples, tmp_path):
    """A faststart file cut short: the index promises frames the file no longer has."""
    data = samples.path("city-walk.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 4])
    with pytest.raises(MediaError, match="ends early"):
        probe(cut)


# --- decoding ----------------------------------------------------------------------------------


def _all_frames(info, size):
    with VideoReader(info, size) as reader:
        return [reader.frame(i).copy() for i in range(info.frame_count)]


@pytest.mark.parametrize("name", ["counter.mp4", "goldeneye-vfr-drop3.mp4"])
def test_random_access_matches_sequential_decode(shared_media, name):
    info = probe(shared_media / name)
    size = (64, 36)
    sequential = _all_frames(info, size)
    rng = np.random.default_rng(7)
    with VideoReader(info, size) as reader:
        for index in rng.permutation(info.frame_count)[:25]:
            start = info.frame_times[index]
            end = info.frame_times[index + 1] if index + 1 < info.frame_count else start + 0.05
            for t in (start, start + 0.6 * (end - start)):  # on the frame and while it shows
                assert np.array_equal(reader.frame_at(t), sequential[index]), (index, t)


def test_vfr_time_inside_a_dropped_frame_shows_the_previous_frame(shared_media):
    info = probe(shared_media / "goldeneye-vfr-drop3.mp4")
    # Frames at 0, 1, 3, 4, 6 ... (in 1/23.976 s): at t = 2 units frame 1 is still on screen.
    unit = 1001 / 24000
    assert info.frame_index_at(2 * unit) == 1
    assert info.frame_index_at(3 * unit) == 2


def test_rotated_video_frames_are_upright(shared_media):
    info = probe(shared_media / "issue-134-rotate.mp4")
    frame = frame_at(info, 2.0)
    assert frame.shape == (1280, 544, 3)
    assert thumbnail(info, width=120).shape[:2] == (282, 120)


def test_frame_at_end_holds_last_frame(samples):
    info = probe(samples.path("studio-talk.mp4"))
    with VideoReader(info) as reader:
        last = reader.frame(info.frame_count - 1).copy()
        assert np.array_equal(reader.frame_at(info.duration + 5), last)


def test_reader_close_ends_ffmpeg(samples):
    info = probe(samples.path("studio-talk.mp4"))
    reader = VideoReader(info)
    reader.frame_at(1.0)
    process = reader._decoder.proc
    assert process is not None and process.poll() is None
    reader.close()
    assert process.poll() is not None


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_picture_pipes_are_wide_and_small_ones_stay_small(samples, tmp_path):
    """Full-size pictures cross a 1 MiB pipe (a 64 KiB one costs a second of CPU per thousand
    1080p frames); analysis's thumbnails keep the default, which counts against no allowance."""
    import fcntl

    from core.ffmpeg import PICTURE_PIPE_BYTES, widen_pipe
    from core.media.decode import Decoder

    def pipe_size(pipe) -> int:
        return fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)

    info = probe(samples.path("studio-talk.mp4"))
    big, small = Decoder(info, (1280, 720), None), Decoder(info, (96, 54), None, analysis=True)
    try:
        assert pipe_size(big.proc.stdout) == PICTURE_PIPE_BYTES
        assert pipe_size(small.proc.stdout) < PICTURE_PIPE_BYTES
    finally:
        big.close()
        small.close()
    with open(tmp_path / "not-a-pipe", "wb") as file:
        widen_pipe(file)  # refused by the system: left as it is, no error


def test_thumbnails_for_every_kind(samples):
    assert thumbnail(samples.path("city-walk.mp4"), width=100).shape == (56, 100, 3)
    assert thumbnail(samples.path("title-card.png"), width=100).shape == (56, 100, 3)
    wave_picture = thumbnail(samples.path("music-bed.wav"), width=100)
    assert wave_picture.shape == (56, 100, 3)
    assert wave_picture.std() > 10  # a drawn waveform, not a blank tile


def test_film_strips_show_the_moments_along_a_video(shared_media, samples):
    from core.media import film_strip

    times, pictures = film_strip(shared_media / "counter.mp4", width=96)  # each frame shows its number
    assert list(np.round(times, 2)) == [0.5, 1.5, 2.5] and pictures[0].shape == (54, 96, 3)
    assert np.abs(pictures[0].astype(int) - pictures[1]).mean() > 1  # other numbers: other frames
    # A film clip with three keyframes, at its changes of shot: exact frames would decode most of
    # the file once per picture, so the keyframes stand in, one for each shot.
    times, pictures = film_strip(shared_media / "goldeneye-vfr-drop3.mp4")
    assert list(np.round(times, 2)) == [0.0, 3.75, 8.76] and len(pictures) == 3
    with pytest.raises(MediaError, match="not a video"):
        film_strip(samples.path("music-bed.wav"))


def test_fit_size_keeps_aspect_and_even_sides():
    assert fit_size(1920, 1080, 320) == (320, 180)
    assert fit_size(544, 1280, 100) == (100, 236)
    assert fit_size(100, 50, 320) == (100, 50)


# --- audio -------------------------------------------------------------------------------------


def test_read_audio_shape_and_silent_stretch(samples):
    audio = read_audio(samples.path("studio-talk.mp4"), sample_rate=16000, channels=1)
    assert audio.dtype == np.float32 and audio.shape[1] == 1
    assert len(audio) == pytest.approx(6.0 * 16000, rel=0.01)
    def rms(a, b):
        return float(np.sqrt(np.mean(audio[int(a * 16000) : int(b * 16000)] ** 2)))
    assert rms(2.7, 3.8) < 0.1 * rms(0.2, 2.3)  # the declared pause is quiet, speech is not


def test_read_audio_of_silent_video_is_silence(shared_media):
    audio = read_audio(shared_media / "counter.mp4", sample_rate=8000)
    assert audio.shape == (24000, 2) and not audio.any()


def test_read_audio_window_and_resample(tmp_path):
    tone = np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE).astype(np.float32) * 0.5
    path = tmp_path / "tone.wav"
    write_wav(path, tone)
    part = read_audio(path, sample_rate=22050, channels=2, start=0.5, duration=1.0)
    assert part.shape == (22050, 2)
    assert np.abs(part).max() == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_are_never_taken_for_media(tmp_path, seed):
    path = tmp_path / f"random-{seed}.mp4"
    path.write_bytes(np.random.default_rng(seed).bytes(50_000))
    with pytest.raises(MediaError, match="could not be read"):
        probe(path)


CONTAINERS = {
    "mpegts (starts at 1.4 s)": ("clip.ts", ["-c:v", "libx264", "-c:a", "aac", "-f", "mpegts"]),
    "matroska (millisecond timebase)": ("clip.mkv", ["-c:v", "libx264", "-c:a", "aac"]),
    "webm vp9": ("clip.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "300k", "-c:a", "libopus"]),
    "quicktime mjpeg": ("clip.mov", ["-c:v", "mjpeg", "-c:a", "pcm_s16le"]),
}


@pytest.mark.parametrize("container", sorted(CONTAINERS))
def test_other_containers_probe_and_seek_exactly(samples, tmp_path, container):
    from core.ffmpeg import run_ffmpeg

    name, codec_args = CONTAINERS[container]
    target = tmp_path / name
    result = run_ffmpeg("-i", str(samples.path("city-walk.mp4")), "-t", "2", *codec_args, str(target))
    assert result.returncode == 0, result.stderr
    info = probe(target)
    assert (info.width, info.height, info.fps, info.vfr) == (320, 180, 30.0, False)
    assert info.frame_count == 60 and info.has_audio
    size = (64, 36)
    sequential = _all_frames(info, size)
    with VideoReader(info, size) as reader:
        for index in (45, 7, 30, 59, 1):
            assert np.array_equal(reader.frame_at(info.frame_times[index] + 0.01), sequential[index]), index


def test_probe_cache_follows_the_file(samples, tmp_path):
    import os

    from core.media import probe_cached

    target = tmp_path / "clip.mp4"
    shutil.copy(samples.path("beach-drone.mp4"), target)
    first = probe_cached(target)
    assert probe_cached(target) is first  # no second packet scan
    shutil.copy(samples.path("studio-talk.mp4"), target)
    os.utime(target, ns=(1, first.frame_count * 10**9 + 12345))
    assert probe_cached(target).frame_count == 180 != first.frame_count
    target.unlink()
    with pytest.raises(MediaError, match="could not be found"):
        probe_cached(target)


def _split_into_pieces(monkeypatch) -> None:
    """Make even a short clip worth decoding in pieces, on three 'cores'."""
    from core.media import analysis as media

    monkeypatch.setattr(media, "MIN_PIECE_PIXELS", 1)
    monkeypatch.setattr(media.os, "cpu_count", lambda: 3)


@pytest.mark.parametrize("container", ["mp4", "mpegts"])
def test_analysis_frames_decoded_in_pieces_match_one_decode(samples, tmp_path, monkeypatch, container):
    from core.ffmpeg import run_ffmpeg
    from core.media import analysis as media

    path = samples.path("city-walk.mp4")
    if container == "mpegts":  # seeks by byte position, and its clock starts at 1.4 s
        path = tmp_path / "clip.ts"
        assert run_ffmpeg("-i", str(samples.path("city-walk.mp4")), "-c", "copy", "-f", "mpegts", str(path)).returncode == 0
    info = probe(path)
    keyframes = np.searchsorted(info.frame_times, info.keyframe_times - 1e-4)
    assert keyframes[0] == 0 and len(keyframes) >= 3 and np.all(keyframes < info.frame_count)
    whole = list(media.analysis_frames(info, 48))
    _split_into_pieces(monkeypatch)
    pieces = media._pieces(info, 3, 48 * 28 * 3)
    assert len(pieces) >= 3
    assert {first for first, _ in pieces} <= set(keyframes.tolist())  # each starts on a keyframe
    assert pieces[0][0] == 0 and pieces[-1][1] == info.frame_count
    assert all(end == following[0] for (_, end), following in zip(pieces, pieces[1:], strict=False))
    split = list(media.analysis_frames(info, 48))
    assert len(split) == len(whole) == info.frame_count
    assert all(np.array_equal(a, b) for a, b in zip(whole, split, strict=True))


def test_analysis_frames_stopped_early_ends_every_decoder(samples, monkeypatch):
    from core.media import analysis as media

    _split_into_pieces(monkeypatch)
    frames = media.analysis_frames(probe(samples.path("city-walk.mp4")), 48)
    assert next(frames).shape == (28, 48, 3)
    pieces = frames.gi_frame.f_locals["pieces"]
    started = [piece for piece in pieces if piece.ident is not None]
    assert len(started) >= 2  # decoding side by side
    frames.close()
    for piece in started:
        piece.join(timeout=30)
        assert not piece.is_alive()
        assert piece._decoder.proc.poll() is not None


def test_analysis_frames_of_a_damaged_video_keep_every_frame_in_place(samples, tmp_path, monkeypatch):
    """Where the decoder gives up on damaged frames, the picture before stands in, so frame k
    is still frame k."""
    from core.media import analysis as media

    data = bytearray(samples.path("city-walk.mp4").read_bytes())
    for share in (0.3, 0.5, 0.7):
        start = int(len(data) * share)
        data[start : start + len(data) // 20] = bytes(len(data) // 20)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    info = probe(damaged)
    _split_into_pieces(monkeypatch)
    assert len(list(media.analysis_frames(info, 48))) == info.frame_count


def test_storyboard_pictures_are_the_frames_asked_for(samples):
    """Each picture is decoded on its own from the keyframe before it, in any order asked."""
    from core.media import analysis as media

    info = probe(samples.path("city-walk.mp4"))
    every = list(media.analysis_frames(info, 48))
    wanted = [150, 7, 100, 61]  # in different pieces between keyframes, out of order
    pictures = media.pictures_at(info, wanted, 48)
    assert all(np.array_equal(picture, every[k]) for picture, k in zip(pictures, wanted, strict=True))
    assert not np.array_equal(pictures[0], pictures[1])
