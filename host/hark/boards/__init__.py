"""The boards the firmware is built for: their models built in, memory fit checks and size reports."""
