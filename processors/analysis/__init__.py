"""Analysis: each posting once (requirements, embedding, semantic dedup), then each user's match with it.

- posting cells  read `job.catalog` (JobPosting) and `analysis.requests` (AnalysisRequested); keep
                 `analysis-jobs` (AnalysisJob: the latest analysis, who asked for it); write `job.analysis`
                 (JobAnalysis, compacted), `analysis.deliveries` (to each asking user), `analysis.failed`,
                 `ai.budget`
- user cells     read `user.profiles`, `job.discovered` and `analysis.deliveries`; keep `analysis-users`
                 (AnalysisUser: profile terms and embedding, postings awaiting analysis, decisions);
                 write `analysis.requests` and `job.analyzed` (JobAnalyzed, carrying the requirements when
                 the user goes ahead)
- core           `step.job_step`, `step.user_step` (scoring in `match.py`, dedup in `dedup.py`)
- ports          ExaminePosting, IndexPosting, EmbedProfile, CompareSkills (`ports.py`)
"""
