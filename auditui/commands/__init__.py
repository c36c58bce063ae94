"""One module per subcommand; each `cmd_*` takes parsed args and returns an exit code."""
