"""One palette for the terminal and the figures: a cell's role decides its colour everywhere."""

from __future__ import annotations

#: role -> (figure face colour, terminal style)
ROLES: dict[str, tuple[str, str]] = {
    "input": ("#9ecae1", "bold #3182bd"),  # an input element (blue)
    "inserted": ("#f4f4f4", "#8c8c8c"),  # a zero put between elements (grey)
    "pad": ("#dcdcdc", "#6f6f6f"),  # a padding zero (darker grey)
    "kernel": ("#fdae6b", "bold #e6550d"),  # a kernel tap (orange)
    "output": ("#a1d99b", "bold #31a354"),  # an output element (green)
    "point": ("#756bb1", "bold #756bb1"),  # interpolated points (purple)
    "highlight": ("#de2d26", "bold #ffffff on #de2d26"),  # the current window / cell (red)
    "plain": ("#ffffff", ""),
}

HIGHLIGHT = ROLES["highlight"][0]
FACE = {role: face for role, (face, _) in ROLES.items()}
TERMINAL = {role: style for role, (_, style) in ROLES.items()}

#: colours of the coordinate conventions (figures of `explain grid`)
CONVENTION_COLOURS = {
    "half_pixel": "#1b9e77",
    "half_pixel_symmetric": "#66a61e",
    "pytorch_half_pixel": "#7570b3",
    "align_corners": "#d95f02",
    "asymmetric": "#e7298a",
    "tf_crop_and_resize": "#a6761d",
}
