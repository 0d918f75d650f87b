"""Sound: loudness, limiting, ducking, generated music and beats."""
