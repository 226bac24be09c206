"""Slider panels for the notebooks, with a static fallback.

:func:`panel` takes a drawing function and its controls. In JupyterLab it shows ipywidgets
sliders above an output area; a slider change (on release) redraws the figure. Where
widgets cannot be shown, in the HTML report (``VITD_SIM_STATIC=1``, set by
:func:`simlib.notebooks.build_report`) or without ipywidgets, it draws the figure once at
the default values and says so, so the finding is on the page without JavaScript.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import ParameterError

STATIC_ENV = "VITD_SIM_STATIC"
#: When set to a file path, every panel also times its redraws (default settings, then
#: each slider at its ends) and appends one JSON line per redraw to that file; the
#: slider benchmark (``benchmarks/bench_sliders.py``) sets it.
TIMES_ENV = "VITD_SIM_PANEL_TIMES"


@dataclass(frozen=True)
class Slider:
    """One slider: a numeric argument of the drawing function.

    Parameters
    ----------
    low, high, step : float
        Range and step of the slider (in the argument's unit).
    value : float
        Starting value (the notebook's parameter).
    label : str
        What the slider sets, with its unit, e.g. ``"confounding OR per SD"``.
    integer : bool
        Use an integer slider (sizes, counts).
    """

    low: float
    high: float
    step: float
    value: float
    label: str
    integer: bool = False

    def __post_init__(self):
        if not self.low <= self.value <= self.high:
            raise ParameterError(f"slider {self.label!r}: value {self.value!r} is outside "
                                 f"[{self.low}, {self.high}]")
        if self.step <= 0:
            raise ParameterError(f"slider {self.label!r}: step {self.step!r} must be > 0")


def static_mode() -> bool:
    """True when panels must draw static figures (report pages, or no ipywidgets)."""
    if os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes"}:
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def _number(value) -> str:
    """A readout: 50,000 and 4,320 in full, 0.125 and 2 to three significant figures."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _display_figure(fig):
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def _slider_widget(name: str, spec: Slider):
    import ipywidgets as w

    cls = w.IntSlider if spec.integer else w.FloatSlider
    kind = int if spec.integer else float
    return cls(value=kind(spec.value), min=kind(spec.low), max=kind(spec.high),
               step=kind(spec.step), description=spec.label, continuous_update=False,
               style={"description_width": "initial"}, layout=w.Layout(width="480px"),
               readout_format="d" if spec.integer else (",.0f" if spec.step >= 1 else ".3g"))


def panel(draw, controls: dict[str, Slider], *, title: str = ""):
    """Show an interactive panel: sliders that redraw ``draw(**values)``.

    Parameters
    ----------
    draw : callable
        Takes the controls as keyword arguments and returns a matplotlib Figure. It must be
        fast (about a second at the notebook's default size): simulate once before the
        panel and let ``draw`` re-estimate or re-measure, not rebuild the world.
    controls : dict of str to Slider
        One slider per keyword argument of ``draw``.
    title : str
        A line shown above the sliders.

    The panel is displayed; nothing is returned (so it is not displayed twice).
    """
    if not controls:
        raise ParameterError("panel: controls must name at least one slider")
    for name, spec in controls.items():
        if not isinstance(spec, Slider):
            raise ParameterError(f"panel: control {name!r} must be a Slider, got {spec!r}")
    defaults = {name: spec.value for name, spec in controls.items()}
    if static_mode():
        from IPython.display import Markdown, display

        display(Markdown(f"*{title + ' — ' if title else ''}static view at the default "
                         "settings; open the notebook in JupyterLab to move the sliders.*"))
        _display_figure(draw(**defaults))
    else:
        _live_panel(draw, controls, title)
    if os.environ.get(TIMES_ENV):
        time_redraws(draw, controls, os.environ[TIMES_ENV], title=title)


def slider_settings(controls: dict[str, Slider]) -> list[tuple[str, dict]]:
    """The settings a redraw benchmark visits: the defaults, then each slider at its ends.

    Returns ``(label, values)`` pairs; ``label`` is ``"default"`` or ``"name=value"``
    (the other sliders stay at their defaults). An end equal to the default is skipped.
    """
    defaults = {name: spec.value for name, spec in controls.items()}
    settings = [("default", defaults)]
    for name, spec in controls.items():
        for end in (spec.low, spec.high):
            if end != spec.value:
                value = int(end) if spec.integer else end
                settings.append((f"{name}={_number(value)}", {**defaults, name: value}))
    return settings


def time_redraws(draw, controls: dict[str, Slider], path, *, title: str = "") -> list[dict]:
    """Time one redraw per :func:`slider_settings` entry; append JSON lines to ``path``.

    A redraw is what a slider release costs in JupyterLab: ``draw(**values)`` and the
    figure's rendering to PNG (as the inline backend does). Each line holds the panel
    ``title``, the ``setting`` label and ``seconds`` (wall clock).
    """
    import io
    import json
    import time

    import matplotlib.pyplot as plt

    rows = []
    for label, values in slider_settings(controls):
        started = time.perf_counter()
        fig = draw(**values)
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        rows.append({"title": title, "setting": label,
                     "seconds": round(time.perf_counter() - started, 3)})
        plt.close(fig)
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    return rows


def _live_panel(draw, controls, title):
    """Sliders, a readout, and the figure as a display that each change updates in place.

    The figure is an ordinary output updated through its display id rather than an
    ``Output`` widget: the first drawing is a plain PNG in the cell (so an executed
    notebook keeps it), and headless runs avoid nbclient's output-widget capture, under
    which a panel cell sometimes stalled until the cell timeout.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    sliders = {name: _slider_widget(name, spec) for name, spec in controls.items()}
    status = w.HTML()

    def figure_and_readout():
        values = {name: slider.value for name, slider in sliders.items()}
        fig = draw(**values)
        status.value = "settings: " + ", ".join(
            f"{controls[name].label} = {_number(value)}" for name, value in values.items())
        return fig

    header = [w.HTML(f"<b>{title}</b>")] if title else []
    display(w.VBox(header + list(sliders.values()) + [status]))
    fig = figure_and_readout()
    handle = display(fig, display_id=True)
    plt.close(fig)

    def redraw(_change=None):
        status.value = "<i>drawing…</i>"
        fig = figure_and_readout()
        handle.update(fig)
        plt.close(fig)

    for slider in sliders.values():
        slider.observe(redraw, names="value")
