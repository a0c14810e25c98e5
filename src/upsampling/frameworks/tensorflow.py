"""Twin of tensorflow's upsampling operators: NumPy in, NumPy out, tensorflow's own signatures and defaults.

Argument translation only: the math lives in the resize and transposed-convolution engines.
This module never imports tensorflow.
"""

from __future__ import annotations

# --- resize (owned by the resize engine) ---

# --- transposed convolution (owned by the transposed-convolution engine) ---
