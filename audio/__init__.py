"""Pure audio library: codecs, resampling, framing, VAD, end-of-turn detection, recording assembly."""
