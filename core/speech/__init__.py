"""Speech: where someone speaks (silero-vad), the words said and when (pocketsphinx), and
captions built from those words. English only for now; the language is a parameter.

- ``voice``: speech spans of any media with sound, cached per file
- ``words``: ``transcribe`` (a draft to correct) and ``align`` (the creator's own script)
- ``cues``: caption cues from timed words, by a captioner's rules
"""
