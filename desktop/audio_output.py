"""Sound for the preview through sounddevice (PortAudio).

Without PortAudio or an output device the player says why once (``unavailable``) and the
preview plays silently. The mix comes from core.compositor, like the export's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core.compositor import Compositor
from core.timeline import Project

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.1


class AudioPlayer:
    """Everything touching PortAudio runs on the player's own thread: initialising it scans
    the devices, which would stall the GUI for tens of milliseconds."""

    def __init__(self, on_unavailable: Callable[[str], None] | None = None):
        self.unavailable: str | None = None  # why there is no sound, once known
        self._on_unavailable = on_unavailable  # called once, from the player's thread
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _open_stream(self, sample_rate: int):
        try:
            import sounddevice
        except (ImportError, OSError) as exc:  # the PortAudio library itself is missing
            self.unavailable = f"No sound: PortAudio is not installed ({exc})."
            return None
        try:
            stream = sounddevice.OutputStream(samplerate=sample_rate, channels=2, dtype="float32")
            stream.start()
            return stream
        except Exception as exc:  # no device, device busy, bad rate: all mean "play silently"
            self.unavailable = f"No sound: no audio output device could be opened ({exc})."
            return None

    def start(self, project: Project, start_time: float) -> bool:
        """Play the mix from ``start_time``; ``project`` must be a copy nobody else edits.

        False when sound is already known to be unavailable."""
        self.stop()
        if self.unavailable is not None:
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._play, args=(project, start_time), daemon=True)
        self._thread.start()
        return True

    def _play(self, project: Project, t: float) -> None:
        stream = self._open_stream(project.sample_rate)
        if stream is None:
            log.info(self.unavailable)
            if self._on_unavailable is not None:
                self._on_unavailable(self.unavailable)
            return
        end = project.duration_frames / project.fps
        try:
            with Compositor(project) as compositor:
                while not self._stop.is_set() and t < end:
                    chunk = compositor.audio_between(t, min(end, t + CHUNK_SECONDS))
                    stream.write(chunk)  # blocks at the device's pace: the sound keeps time
                    t += CHUNK_SECONDS
        except Exception:
            log.exception("preview sound stopped")
        finally:
            stream.stop()
            stream.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
