"""Framework twins: each package reproduces one framework's functions with its own names.

``pytorch``, ``tensorflow``, ``opencv``, ``pillow``, ``onnx``; in each, ``resize.py`` holds the
resize (its :class:`~upsampling.frameworks._mapping.Setting` objects and the argument
translation) and, where the framework has one, ``conv.py`` the transposed convolution.  None of
them imports its framework: they translate arguments onto :mod:`upsampling`'s engines, and the
arithmetic they need lives in the engine layer (:mod:`upsampling.coords`,
:mod:`upsampling.shapes`, :mod:`upsampling.plan`).  Shared by the twins: ``_mapping.py`` (the
Setting registry, which generates ``docs/framework-settings.md``) and ``_common.py``.
"""

__all__ = ["onnx", "opencv", "pillow", "pytorch", "tensorflow"]
