"""Sound for the preview through sounddevice (PortAudio).

Without PortAudio or an output device the player says why once (``unavailable``) and the
preview plays silently. The mix comes from core.compositor, like the export's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

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
        self._clock_lock = threading.Lock()
        self._clock: tuple[float, int, int, float] | None = None  # start s, samples written, rate, latency s
        self._last_scrub = 0.0

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
        start, written = t, 0
        latency = float(getattr(stream, "latency", 0.0) or 0.0)
        try:
            with Compositor(project) as compositor:
                while not self._stop.is_set() and t < end:
                    chunk = compositor.audio_between(t, min(end, t + CHUNK_SECONDS))
                    stream.write(chunk)  # blocks at the device's pace: the sound keeps time
                    written += len(chunk)
                    with self._clock_lock:
                        self._clock = (start, written, project.sample_rate, latency)
                    t += CHUNK_SECONDS
        except Exception:
            log.exception("preview sound stopped")
        finally:
            stream.stop()
            stream.close()

    def position(self) -> float | None:
        """Seconds of the timeline being heard now (what the device has been given, less its
        latency), or None before any sound has gone out. The preview's picture follows this."""
        with self._clock_lock:
            if self._clock is None:
                return None
            start, written, rate, latency = self._clock
        return max(start, start + written / rate - latency)

    def scrub(self, project: Project, t: float, seconds: float = 0.08) -> None:
        """A short burst of the sound at ``t``, so dragging the playhead is heard. At most
        one burst every 50 ms, and never while playing."""
        import time

        now = time.monotonic()
        if self.unavailable is not None or self._thread is not None or now - self._last_scrub < 0.05:
            return
        self._last_scrub = now
        threading.Thread(target=self._burst, args=(project, t, seconds), daemon=True).start()

    def _burst(self, project: Project, t: float, seconds: float) -> None:
        stream = self._open_stream(project.sample_rate)
        if stream is None:
            return
        try:
            with Compositor(project) as compositor:
                chunk = compositor.audio_between(t, t + seconds)
            ramp = np.minimum(1, np.minimum(np.arange(len(chunk)), np.arange(len(chunk))[::-1]) / 96)
            stream.write((chunk * ramp[:, None]).astype(np.float32))  # faded at both ends: no click
        except Exception:
            log.exception("scrub sound failed")
        finally:
            stream.stop()
            stream.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._clock_lock:
            self._clock = None
