"""Speech-to-text providers; ``base`` holds the interface every provider implements."""
