"""The explainer behind ``upsampling explain``: traces computed by the engines, rendered separately.

* :mod:`~upsampling.explain.trace` runs the engines and keeps every intermediate (no maths
  is re-implemented for display: every number shown comes from an engine call).
* :mod:`~upsampling.explain.symbolic` turns a trace linear in the kernel into sympy formulas.
* :mod:`~upsampling.explain.text` composes a report (headings, matrices, tables, notes);
  :mod:`~upsampling.explain.render` prints it as plain text or with ``rich``.
* :mod:`~upsampling.explain.figures` draws the traces with matplotlib (the ``plot`` extra).
* :mod:`~upsampling.explain.calls` lists the framework calls ``upsampling resize`` and
  ``upsampling compare`` run, and :mod:`~upsampling.explain.images` reads and writes PNGs.

Errors name Python parameters (:mod:`upsampling.errors`); the command line (:mod:`upsampling.cli`)
parses its own options and renders those errors with its flags.  Nothing here is imported by
``import upsampling``.
"""
