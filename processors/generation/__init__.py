"""Generation: tailored, truthful resume variants (and a cover letter) for each posting a user goes ahead with.

- user cells  read `user.profiles` and `job.analyzed` (PROCEED decisions carry the job's requirements); keep
              `generation-users` (GenerationUser: the master profile, decisions waiting for it, what was
              generated); write `resume.generated` (ResumeGenerated, one per variant), `resume.failed`
              (ResumeFailed, with the reason) and `ai.budget`
- core        `step.step`; the decisions themselves are pure: tailoring (`tailoring.py`), the truthfulness
              verifier (`truthfulness.py`), ATS scoring and the cover letter (`pipeline.prepare`)
- ports       Rephrase (the AI gateway), RenderResumes (fitting to the pages on the measured Typst layout
              (`fitting.py`), Typst with the packaged fonts of `fonts.py`, HTML, Markdown, the artifact store)

Every line of a tailored resume carries its provenance (the profile path it came from), so the verifier can
judge it and the renderers only lay out what it holds.
"""
