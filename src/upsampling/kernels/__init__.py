"""Fast paths.  Each is tested against the readable reference in :mod:`upsampling.reference`."""
