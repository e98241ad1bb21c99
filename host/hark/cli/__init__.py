"""The `hark` console command: one verb per module in this package (see `hark.cli.main`)."""
