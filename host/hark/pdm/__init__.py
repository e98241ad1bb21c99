"""The PDM -> PCM decimator of firmware/pdm: its numpy model, the design of its tables, a sigma-delta
encoder that turns PCM into a PDM stream for tests, and the ctypes binding of the C code."""
