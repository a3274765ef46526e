"""The ``reddytalk`` command line: one module per subcommand."""
