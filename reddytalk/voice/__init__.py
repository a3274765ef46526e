"""Speech providers: speech-to-text and text-to-speech behind small interfaces, chosen by settings."""
