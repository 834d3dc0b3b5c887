"""Offline evaluations of the analysis against annotated data (`resumeflow eval ...`): never imported by the
running pipeline."""
