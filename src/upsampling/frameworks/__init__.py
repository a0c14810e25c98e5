"""Framework twins: each module reproduces one framework's functions with its own names.

``pytorch``, ``tensorflow``, ``opencv``, ``pillow``, ``onnx``.  None of them imports its
framework: they translate arguments onto :mod:`upsampling`'s engines.
"""

__all__ = ["onnx", "opencv", "pillow", "pytorch", "tensorflow"]
