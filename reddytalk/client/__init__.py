"""A caller's client for the voice API: what ``reddytalk call``, the end-to-end tests and the
latency benchmark use to play a caller over HTTP and SignalR."""
