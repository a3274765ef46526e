"""Staff-facing appointment operations; the rules live in ``reddytalk.practice.booking``."""
