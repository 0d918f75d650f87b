"""Media through the bundled ffmpeg, one module per job.

- ``info``: MediaInfo (what is known about a file) and even picture sizes
- ``probe``: reading a file's properties and frame index, remembered while it is unchanged
- ``stills``: still images
- ``decode``: the random-access video reader and single frames
- ``analysis``: the parallel decoder for analysis (pieces between keyframes, side by side)
- ``thumbnails``: small pictures for the bin
- ``audio``: sound as numpy
- ``writers``: every picture, WAV and MP4 Reelsmith writes

The names below are the package's public face; import them from ``core.media``.
"""

from core.media.analysis import analysis_frames, pictures_at
from core.media.audio import AudioReader, read_audio
from core.media.decode import VideoReader, frame_at
from core.media.info import (
    AUDIO,
    IMAGE,
    MEDIA_EXTENSIONS,
    VIDEO,
    MediaInfo,
    even,
    expand_media_paths,
    fit_size,
)
from core.media.probe import media_info, probe, probe_cached
from core.media.stills import read_image
from core.media.thumbnails import film_strip, thumbnail
from core.media.writers import (
    SAMPLE_RATE,
    encode_sound,
    encode_video,
    mux_sound,
    write_image,
    write_wav,
)

__all__ = [
    "AUDIO", "IMAGE", "MEDIA_EXTENSIONS", "SAMPLE_RATE", "VIDEO", "AudioReader", "MediaInfo", "VideoReader",
    "analysis_frames", "encode_video", "even", "expand_media_paths", "fit_size", "frame_at", "media_info", "pictures_at", "probe",
    "probe_cached", "read_audio", "read_image", "thumbnail", "film_strip", "write_image", "encode_sound", "mux_sound", "write_wav",
]
