"""Tests against real third-party programs taken from Debian's packages (see debian.py)."""
