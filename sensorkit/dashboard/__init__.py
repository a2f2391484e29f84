"""Live terminal dashboard for ``sensorkit stream``: state, rendering, and the key loop.

>>> import sensorkit as sk
>>> from sensorkit.dashboard import DashboardState, render_dashboard
>>> rec = sk.simulate(duration_s=3, seed=1)
>>> state = DashboardState.for_recording(rec)
>>> state.feed_recording(rec)
>>> renderable = render_dashboard(state)   # print it with a rich Console
"""

from sensorkit.dashboard.render import insole_map, plain_lines, render_dashboard
from sensorkit.dashboard.state import DashboardState, SideState, symmetry_index_pct

__all__ = [
    "DashboardState",
    "SideState",
    "insole_map",
    "plain_lines",
    "render_dashboard",
    "symmetry_index_pct",
]
