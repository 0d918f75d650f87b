"""Pictures understood by small neural models: person mattes and faces.

The models are MediaPipe's Apache-2.0 selfie segmentation and BlazeFace files in
``resources/models`` (see its NOTICE.md), run by LiteRT on the CPU.
"""
