"""What Reelsmith knows about a media file, and the sizes its pictures are decoded at.

Timing model: a video's frames are indexed by their presentation times (seconds from the
file's start), read once from the packet index at probe time. "The frame at time t" is the
frame on screen at t: the last frame whose timestamp is <= t. This holds for variable frame
rate footage too, where frames are not evenly spaced.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import numpy as np

from core.errors import MediaError

log = logging.getLogger(__name__)

# What the app's file dialogs offer and what a folder given to it is searched for.
MEDIA_EXTENSIONS = {
    ".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mts", ".gif",
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus",
    ".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff",
}


def expand_media_paths(paths: list[str]) -> list[str]:
    """Files as given, and the media files inside any folders (recursively, sorted)."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, files in sorted(os.walk(path)):
                found += [os.path.join(root, f) for f in sorted(files) if os.path.splitext(f)[1].lower() in MEDIA_EXTENSIONS]
        else:
            found.append(path)
    return found


VIDEO, AUDIO, IMAGE = "video", "audio", "image"


# Any timestamp within this distance of a frame's is treated as that frame's time.
TIME_EPSILON = 1e-4


@dataclass(frozen=True, eq=False)
class MediaInfo:
    """What Reelsmith knows about one media file. Sizes are display sizes (rotation applied)."""

    path: str
    kind: str
    duration: float | None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    vfr: bool = False
    rotation: int = 0
    codec: str | None = None
    pix_fmt: str | None = None
    frame_count: int | None = None
    has_audio: bool = False
    sample_rate: int | None = None
    channels: int | None = None
    audio_codec: str | None = None
    start_time: float = 0.0  # the container's start; frame times are relative to it
    container: str | None = None  # ffmpeg's demuxer: "mov" (mp4, mov), "matroska" (mkv, webm), ...
    # Presentation time of every frame in seconds, sorted; None for stills and audio.
    frame_times: np.ndarray | None = field(default=None, repr=False)
    # The times of the frames a decoder can start from (a seek there costs no decoding).
    keyframe_times: np.ndarray | None = field(default=None, repr=False)

    @property
    def has_video(self) -> bool:
        return self.kind in (VIDEO, IMAGE)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "kind": self.kind,
            "duration": self.duration,
            "fps": self.fps,
            "vfr": self.vfr,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "has_audio": self.has_audio,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "codec": self.codec,
            "audio_codec": self.audio_codec,
            "frames": self.frame_count,
        }

    def frame_index_at(self, t: float) -> int:
        """Index of the frame on screen at time ``t`` (clamped to the first and last frame)."""
        if self.frame_times is None or len(self.frame_times) == 0:
            raise MediaError(f"'{self.name}' has no video frames.")
        index = int(np.searchsorted(self.frame_times, t + TIME_EPSILON, side="right")) - 1
        return min(max(index, 0), len(self.frame_times) - 1)



def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def fit_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """A size no wider than ``max_width`` with the same aspect ratio, even on both sides."""
    if width <= max_width:
        return even(width), even(height)
    return even(max_width), even(height * max_width / width)
