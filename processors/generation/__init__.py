"""Generation: a tailored, truthful resume (and cover letter) for one analyzed job.

The core here is pure — profile and requirements in, a `TailoredResume` whose every line says where in the
profile it came from — so `truthfulness.verify` can judge it, and the renderers only lay out what it holds.
"""
