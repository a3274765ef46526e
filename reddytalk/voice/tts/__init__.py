"""Text-to-speech providers; ``base`` holds the interface every provider implements."""
