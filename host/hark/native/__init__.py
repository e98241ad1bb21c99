"""The firmware's C modules on the host, through ctypes: one loader (`hark.native.loader`) that checks every
ctypes mirror of a C struct against the layout table the library exports, and one binding per module."""
