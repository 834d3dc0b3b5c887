"""Stream processors: one package each, a pure `step` core with thin Faust wiring (`agent.py`) around it."""
