"""``python -m upsampling.cli``: the same as the ``upsampling`` console script."""

from upsampling.cli import main

main()
