"""The user commands for boards: profile, monitor and classify (thin scripts in host/ call these)."""
