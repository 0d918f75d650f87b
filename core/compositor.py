"""The one place a timeline becomes pixels and samples.

``Compositor.frame_at(frame)`` gives the picture and ``Compositor.audio_between(t0, t1)`` the
sound. Preview and export both call it, so what a creator sees is what they export. Tracks
are composited in project order, the first track at the bottom. Readers stay open between
calls, so playing forward decodes sequentially instead of seeking for every frame; only the
few used last stay open (OPEN_READERS), so a long edit does not keep every file's decoder.

A transition of length L between clips A and B (touching at the cut) runs from
``cut - L // 2`` for L frames: A plays on past its out-point and B starts before its in-point
(a source that runs out holds its first or last frame).
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.audio.mix import DuckState, duck_gain, keyed_gain, pan_gains
from core.effects import CANVAS_SPACE, CLIP_SPACE, Source, apply_effects
from core.errors import MediaError
from core.media import IMAGE, AudioReader, MediaInfo, VideoReader, even, probe_cached, read_image
from core.timeline import AUDIO_TRACK, Clip, MediaRef, Project, Track, Transition

log = logging.getLogger(__name__)

OFFLINE_COLOUR = (120, 30, 40)

# Each open reader is an ffmpeg process holding decoded frames (a 1080p one, tens of MB): an
# edit of fifty files would otherwise keep fifty to the end. Eight of each kind covers every
# track of a busy frame with a transition on each; one used again later opens again and seeks.
OPEN_READERS = 8


def fitted_size(src: tuple[int, int], canvas: tuple[int, int], fit: str) -> tuple[int, int]:
    """The size a source is scaled to on the canvas, before any crop (even numbers)."""
    (sw, sh), (cw, ch) = src, canvas
    if fit == "stretch":
        return cw, ch
    scale = max(cw / sw, ch / sh) if fit == "fill" else min(cw / sw, ch / sh)
    return even(sw * scale), even(sh * scale)


def blurred_fill(picture: np.ndarray, canvas: tuple[int, int]) -> np.ndarray:
    """The picture covering the whole canvas, blurred and dimmed: a backdrop made of itself.
    Worked small (a blur that wide is the same at a tenth of the size, and far cheaper)."""
    import cv2

    cw, ch = canvas
    ph, pw = picture.shape[:2]
    scale = max(cw / pw, ch / ph)
    small_w, small_h = max(8, cw // 10), max(8, ch // 10)
    cover = cv2.resize(picture[..., :3], (max(small_w, int(pw * scale / 10)), max(small_h, int(ph * scale / 10))),
                       interpolation=cv2.INTER_AREA)
    y0, x0 = (cover.shape[0] - small_h) // 2, (cover.shape[1] - small_w) // 2
    cover = cv2.GaussianBlur(cover[y0 : y0 + small_h, x0 : x0 + small_w], (0, 0), 3)
    return (cv2.resize(cover, (cw, ch), interpolation=cv2.INTER_LINEAR) * 0.6).astype(np.uint8)


@dataclass(frozen=True)
class Placement:
    """Where a clip's picture goes: decode at ``decode_size``, crop ``crop_box``, centre at ``centre``."""

    decode_size: tuple[int, int]
    crop_box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the decoded picture
    centre: tuple[float, float]


def placement(clip: Clip, source: tuple[int, int], canvas: tuple[int, int]) -> Placement:
    left, top, right, bottom = clip.crop
    visible = (source[0] * (1 - left - right), source[1] * (1 - top - bottom))
    shown_w, shown_h = fitted_size(visible, canvas, clip.fit)
    shown_w, shown_h = shown_w * clip.scale, shown_h * clip.scale
    decode = (even(shown_w / (1 - left - right)), even(shown_h / (1 - top - bottom)))
    box = (int(round(decode[0] * left)), int(round(decode[1] * top)),
           int(round(decode[0] * (1 - right))), int(round(decode[1] * (1 - bottom))))
    centre = (canvas[0] / 2 + clip.pan_x * canvas[0], canvas[1] / 2 + clip.pan_y * canvas[1])
    return Placement(decode, box, centre)


def reframed_centre_x(clip: Clip, source_time: float, shown_width: float, canvas_width: int) -> float:
    """Where the picture's centre goes so the reframe point at ``source_time`` sits mid-canvas,
    kept where the picture still covers the canvas."""
    times = [t for t, _ in clip.reframe]
    x = float(np.interp(source_time, times, [x for _, x in clip.reframe]))
    centre = canvas_width / 2 + (0.5 - x) * shown_width
    if shown_width >= canvas_width:
        centre = min(max(centre, canvas_width - shown_width / 2), shown_width / 2)
    return centre


def _overlap(under: np.ndarray, over: np.ndarray, top: int, left: int) -> tuple[int, int, int, int] | None:
    """Where ``over`` placed at (``top``, ``left``) lands on ``under``: (y0, x0, y1, x1) in
    ``under``'s pixels, what overhangs cut off; None when nothing of it is on ``under``."""
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(under.shape[0], top + over.shape[0]), min(under.shape[1], left + over.shape[1])
    return (y0, x0, y1, x1) if y1 > y0 and x1 > x0 else None


def paste(canvas: np.ndarray, picture: np.ndarray, centre: tuple[float, float], opacity: float = 1.0) -> None:
    """Draw ``picture`` centred at ``centre`` (cropping what overhangs), blended by ``opacity``."""
    import cv2

    ph, pw = picture.shape[:2]
    top, left = int(round(centre[1] - ph / 2)), int(round(centre[0] - pw / 2))
    window = _overlap(canvas, picture, top, left)
    if window is None:
        return
    y0, x0, y1, x1 = window
    region = picture[y0 - top : y1 - top, x0 - left : x1 - left]
    if region.shape[2] == 4:  # keyed or shaped by an effect: blend by its own alpha too
        under = canvas[y0:y1, x0:x1].astype(np.float32)
        alpha = region[..., 3:].astype(np.float32) * (opacity / 255.0)
        canvas[y0:y1, x0:x1] = (under + (region[..., :3] - under) * alpha).astype(np.uint8)
    elif opacity >= 1.0:
        canvas[y0:y1, x0:x1] = region
    elif opacity > 0.0:
        under = canvas[y0:y1, x0:x1]
        canvas[y0:y1, x0:x1] = cv2.addWeighted(region, opacity, under, 1.0 - opacity, 0.0)


BLACK_I420 = (16, 128, 128)  # black as Y, U and V in BT.601 limited range (OpenCV's and ffmpeg's)


def i420_planes(picture: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 picture (shape (height * 3 / 2, width))."""
    width, height = picture.shape[1], picture.shape[0] * 2 // 3
    flat = picture.reshape(-1)
    y = flat[: width * height].reshape(height, width)
    u = flat[width * height : width * height * 5 // 4].reshape(height // 2, width // 2)
    v = flat[width * height * 5 // 4 :].reshape(height // 2, width // 2)
    return y, u, v


def paste_i420(canvas: np.ndarray, picture: np.ndarray, top: int, left: int) -> None:
    """``paste`` for I420 pictures at an even ``top`` and ``left``, opaque."""
    for scale, under, over in zip((1, 2, 2), i420_planes(canvas), i420_planes(picture), strict=True):
        t, lf = top // scale, left // scale
        if (window := _overlap(under, over, t, lf)) is not None:
            y0, x0, y1, x1 = window
            under[y0:y1, x0:x1] = over[y0 - t : y1 - t, x0 - lf : x1 - lf]


def _blend(a: np.ndarray, b: np.ndarray, mix: float) -> np.ndarray:
    import cv2

    return cv2.addWeighted(a, 1.0 - mix, b, mix, 0.0)


@dataclass
class _Active:
    """A clip drawn at a frame, and the transition it is part of (if any)."""

    clip: Clip
    transition: Transition | None = None
    partner: Clip | None = None  # the incoming clip, when ``clip`` is the outgoing one
    progress: float = 0.0


def _transition_window(track: Track, tr: Transition) -> tuple[Clip, Clip, int] | None:
    first, second = track.clip(tr.from_clip), track.clip(tr.to_clip)
    if first is None or second is None:
        return None
    return first, second, second.position - tr.length // 2


def active_at(track: Track, frame: int) -> _Active | None:
    """What ``track`` shows at ``frame``: one clip, or two in a transition."""
    for tr in track.transitions:
        window = _transition_window(track, tr)
        if window and window[2] <= frame < window[2] + tr.length:
            first, second, start = window
            return _Active(first, tr, second, (frame - start + 0.5) / tr.length)
    clip = next((c for c in track.clips if c.position <= frame < c.end), None)
    return _Active(clip) if clip else None


class Compositor:
    def __init__(self, project: Project):
        self.project = project
        self._infos: dict[str, MediaInfo | None] = {}
        self._readers: collections.OrderedDict[tuple, VideoReader] = collections.OrderedDict()  # (media, decode size[, "planes"])
        self._stills: dict[tuple[str, tuple[int, int]], np.ndarray] = {}
        self._audio: collections.OrderedDict[tuple[str, str], AudioReader] = collections.OrderedDict()
        self._duck_states: dict[str, tuple[int, DuckState]] = {}  # track id -> (next sample, state)

    def __enter__(self) -> Compositor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for reader in [*self._readers.values(), *self._audio.values()]:
            reader.close()
        self._readers.clear()
        self._audio.clear()

    @property
    def canvas_size(self) -> tuple[int, int]:
        return self.project.width, self.project.height

    # --- pictures ------------------------------------------------------------------------------

    def frame_at(self, frame: int) -> np.ndarray:
        """The picture at timeline ``frame``: RGB uint8 of shape (height, width, 3)."""
        canvas = np.zeros((self.project.height, self.project.width, 3), np.uint8)
        for track in self.project.tracks:
            if track.kind == AUDIO_TRACK or track.hidden:
                continue
            active = active_at(track, frame)
            if active is not None and active.transition is None:
                self._draw(canvas, active.clip, frame)
            elif active is not None:
                self._draw_transition(canvas, active, frame)
            if track.effects:  # an adjustment layer over everything drawn so far
                t = frame / self.project.fps
                adjusted = apply_effects(canvas, t, track.effects, CLIP_SPACE)[..., :3]  # a key has nothing to show through
                canvas = apply_effects(np.ascontiguousarray(adjusted), t, track.effects, CANVAS_SPACE)
        for clip in self._sound_clips_with_text(frame):  # a voice-over's captions: over every picture
            canvas = apply_effects(canvas, (frame - clip.position) / self.project.fps, clip.effects, CANVAS_SPACE)
        return canvas

    def _sound_clips_with_text(self, frame: int) -> list[Clip]:
        """The sound clips at ``frame`` that carry effects: only what they draw on the canvas
        (captions, titles) can show, since a sound has no picture of its own."""
        actives = (active_at(t, frame) for t in self.project.tracks if t.kind == AUDIO_TRACK)
        return [a.clip for a in actives if a is not None and a.clip.effects]

    def planes_at(self, frame: int) -> np.ndarray:
        """The picture at timeline ``frame`` as I420 planes (BT.601, limited range), for the
        encoder. Where the frame is one plain clip on black (no effect, blend or transition:
        most frames of most edits), it is decoded straight to planes and placed, never made
        RGB: decoding to RGB, drawing and converting back cost an export of mixed footage a
        third of its time. Any other frame is ``frame_at``'s, converted."""
        import cv2

        plain = self._plain_clip(frame)
        if plain is None:
            return cv2.cvtColor(self.frame_at(frame), cv2.COLOR_RGB2YUV_I420)
        clip, info, where, (top, left) = plain
        reader = _kept(self._readers, (clip.media_id, where.decode_size, "planes"),
                       lambda: VideoReader(info, where.decode_size, planar=True))
        picture = reader.frame_at(clip.source_time(frame, self.project.fps))
        x0, y0, x1, y1 = where.crop_box
        if (x0, y0, x1, y1) != (0, 0, *where.decode_size):
            y, u, v = i420_planes(picture)
            picture = np.concatenate([y[y0:y1, x0:x1].ravel(), u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].ravel(),
                                      v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].ravel()]).reshape(-1, x1 - x0)
        canvas = np.empty((self.project.height * 3 // 2, self.project.width), np.uint8)
        for plane, level in zip(i420_planes(canvas), BLACK_I420, strict=True):
            plane.fill(level)
        paste_i420(canvas, picture, top, left)
        return canvas

    def _plain_clip(self, frame: int):
        """(clip, info, placement, (top, left)) when ``frame`` is one opaque video clip without
        effects, drawn unblended on black at even pixel positions; None otherwise."""
        visible = [t for t in self.project.tracks if t.kind != AUDIO_TRACK and not t.hidden]
        if any(t.effects for t in visible) or self.project.width % 2 or self.project.height % 2:
            return None
        if self._sound_clips_with_text(frame):
            return None
        active = [a for a in (active_at(t, frame) for t in visible) if a is not None]
        if len(active) != 1 or active[0].transition is not None:
            return None
        clip = active[0].clip
        if clip.effects or clip.opacity < 1.0 or clip.fit == "blur" or clip.reframe:
            return None
        info = self._info(self.project.media[clip.media_id])
        if info is None or info.kind == IMAGE or not info.has_video:
            return None
        where = placement(clip, (info.width, info.height), self.canvas_size)
        x0, y0, x1, y1 = where.crop_box
        top = int(round(where.centre[1] - (y1 - y0) / 2))
        left = int(round(where.centre[0] - (x1 - x0) / 2))
        if any(n % 2 for n in (x0, y0, x1, y1, top, left)):
            return None
        return clip, info, where, (top, left)

    def _draw(self, canvas: np.ndarray, clip: Clip, frame: int, opacity: float | None = None) -> None:
        picture, centre, source = self._clip_picture(clip, frame)
        t = (frame - clip.position) / self.project.fps
        if clip.effects:
            picture = apply_effects(picture, t, clip.effects, CLIP_SPACE, source)
        opacity = clip.opacity if opacity is None else opacity
        if clip.fit == "blur":
            paste(canvas, blurred_fill(picture, self.canvas_size), (canvas.shape[1] / 2, canvas.shape[0] / 2), opacity)
        paste(canvas, picture, centre, opacity)
        if clip.effects:  # titles, captions, particles: on the canvas while the clip is shown
            canvas[:] = apply_effects(canvas, t, clip.effects, CANVAS_SPACE)

    def _draw_transition(self, canvas: np.ndarray, active: _Active, frame: int) -> None:
        kind, progress = active.transition.kind, active.progress
        if kind == "fade_black":  # out to black, then in from black, over what is below
            clip, level = (active.clip, 1 - 2 * progress) if progress < 0.5 else (active.partner, 2 * progress - 1)
            layer = np.zeros_like(canvas)
            self._draw(layer, clip, frame, opacity=1.0)
            paste(canvas, (layer * level).astype(np.uint8), (canvas.shape[1] / 2, canvas.shape[0] / 2), clip.opacity)
            return
        outgoing, incoming = canvas.copy(), canvas.copy()
        self._draw(outgoing, active.clip, frame)
        self._draw(incoming, active.partner, frame)
        if kind == "wipe":  # the incoming clip sweeps in from the left
            edge = int(round(progress * canvas.shape[1]))
            canvas[:, :edge] = incoming[:, :edge]
            canvas[:, edge:] = outgoing[:, edge:]
        else:
            canvas[:] = _blend(outgoing, incoming, progress)

    def _clip_picture(self, clip: Clip, frame: int) -> tuple[np.ndarray, tuple[float, float], Source | None]:
        """The clip's picture at timeline ``frame``, where its centre goes, and where it came from."""
        media = self.project.media[clip.media_id]
        info = self._info(media)
        if info is None or not info.has_video:
            slate = np.full((self.project.height, self.project.width, 3), OFFLINE_COLOUR, np.uint8)
            return slate, (self.project.width / 2, self.project.height / 2), None
        where = placement(clip, (info.width, info.height), self.canvas_size)
        if info.kind == IMAGE:
            picture = self._still(media, info, where.decode_size)
        else:
            reader = _kept(self._readers, (media.id, where.decode_size), lambda: VideoReader(info, where.decode_size))
            picture = reader.frame_at(clip.source_time(frame, self.project.fps))
        x0, y0, x1, y1 = where.crop_box
        height, width = picture.shape[:2]
        if (x0, y0, x1, y1) != (0, 0, width, height):
            picture = picture[y0:y1, x0:x1]
        centre = where.centre
        source_time = 0.0 if info.kind == IMAGE else clip.source_time(frame, self.project.fps)
        if clip.reframe:
            centre = (reframed_centre_x(clip, source_time, picture.shape[1], self.project.width), centre[1])
        return picture, centre, Source(info.path, source_time, (x0 / width, y0 / height, x1 / width, y1 / height))

    def _info(self, media: MediaRef) -> MediaInfo | None:
        if media.id not in self._infos:
            try:
                self._infos[media.id] = None if media.offline else probe_cached(media.path)
            except MediaError as exc:
                log.warning("media %s unavailable: %s", media.path, exc)
                self._infos[media.id] = None
        return self._infos[media.id]

    def _still(self, media: MediaRef, info: MediaInfo, size: tuple[int, int]) -> np.ndarray:
        import cv2

        key = (media.id, size)
        if key not in self._stills:
            self._stills[key] = cv2.resize(read_image(info.path), size, interpolation=cv2.INTER_AREA)
        return self._stills[key]

    # --- sound ---------------------------------------------------------------------------------

    def audio_between(self, t0: float, t1: float) -> np.ndarray:
        """The mix from ``t0`` to ``t1`` seconds: float32 stereo at the project's sample rate.

        Tracks set to duck drop under the sum of the others (the side chain); the ducker's state
        carries over when the next call starts where this one ended, as playback and export do."""
        rate = self.project.sample_rate
        first = int(round(t0 * rate))
        count = max(0, int(round(t1 * rate)) - first)
        heard = self._heard_tracks()
        mix = np.zeros((count, 2), np.float32)
        for track in (t for t in heard if not t.duck):
            mix += self._track_audio(track, first, count)
        for track in (t for t in heard if t.duck):
            state = self._duck_states.get(track.id)
            continuing = state is not None and state[0] == first
            gain, after = duck_gain(mix, rate, track.duck, state=state[1] if continuing else None)
            self._duck_states[track.id] = (first + count, after)
            mix += self._track_audio(track, first, count) * gain[:, None]
        return mix

    def _heard_tracks(self) -> list[Track]:
        unmuted = [t for t in self.project.tracks if not t.muted]
        soloed = [t for t in unmuted if t.solo]
        return soloed or unmuted

    def _track_audio(self, track: Track, first: int, count: int) -> np.ndarray:
        rate, fps = self.project.sample_rate, self.project.fps
        out = np.zeros((count, 2), np.float32)
        for clip, start, end, gain in self._sounding(track):
            lo, hi = max(first, start), min(first + count, end)
            if hi <= lo:
                continue
            source_time = clip.source_in + (lo / rate - clip.position / fps) * clip.speed
            samples = self._audio_reader(track, clip).read(source_time, hi - lo)
            times = np.arange(lo, hi) / rate
            envelope = gain(times) * keyed_gain(clip.volume_keys, times - clip.position / fps)
            out[lo - first : hi - first] += samples * envelope[:, None] * np.array(pan_gains(clip.balance), np.float32)
        return out

    def _sounding(self, track: Track):
        """(clip, first sample, end sample, gain(t)) for each clip with sound on ``track``."""
        rate, fps = self.project.sample_rate, self.project.fps
        for clip in track.clips:
            media = self.project.media[clip.media_id]
            if not media.has_audio or media.offline or clip.freeze:
                continue
            begin, finish = clip.position / fps, clip.end / fps
            ramps = [(begin, clip.audio_fade_in, True), (finish - clip.audio_fade_out, clip.audio_fade_out, False)]
            for tr in track.transitions:  # crossfade the sound with the picture
                window = _transition_window(track, tr)
                if window is None:
                    continue
                start = window[2] / fps
                length = tr.length / fps
                if tr.from_clip == clip.id:
                    finish = start + length
                    ramps.append((start, length, False))
                elif tr.to_clip == clip.id:
                    begin = start
                    ramps.append((start, length, True))
            # Volume keys, when there are any, give the level over time instead of the one volume.
            level = 1.0 if clip.volume_keys else clip.volume
            yield clip, int(round(begin * rate)), int(round(finish * rate)), _gain(level, ramps)

    def _audio_reader(self, track: Track, clip: Clip) -> AudioReader:
        info = self._info(self.project.media[clip.media_id])
        if info is None:
            raise MediaError(f"'{self.project.media[clip.media_id].path}' is offline.")
        return _kept(self._audio, (track.id, clip.id), lambda: AudioReader(info, self.project.sample_rate, clip.speed))


def _kept(readers: collections.OrderedDict, key: tuple, make: Callable):
    """The open reader for ``key`` (made when there is none), kept as the latest used; the
    one used longest ago is closed when more than OPEN_READERS are open."""
    reader = readers.get(key)
    if reader is None:
        reader = readers[key] = make()
        while len(readers) > OPEN_READERS:
            readers.popitem(last=False)[1].close()
    readers.move_to_end(key)
    return reader


def _gain(volume: float, ramps: list[tuple[float, float, bool]]):
    """A gain curve: ``volume`` shaped by linear fade-ins and fade-outs (start, length, rising)."""

    def curve(t: np.ndarray) -> np.ndarray:
        g = np.full(t.shape, volume, np.float32)
        for start, length, rising in ramps:
            if length <= 0:
                continue
            x = np.clip((t - start) / length, 0.0, 1.0)
            g *= x if rising else 1.0 - x
        return g

    return curve


def frame_at(project: Project, frame: int) -> np.ndarray:
    """One frame of the timeline (opens and closes its readers: use a Compositor to play)."""
    with Compositor(project) as compositor:
        return compositor.frame_at(frame)


def audio_between(project: Project, t0: float, t1: float) -> np.ndarray:
    with Compositor(project) as compositor:
        return compositor.audio_between(t0, t1)
