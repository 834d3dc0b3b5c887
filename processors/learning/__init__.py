"""Learning: which resume variant gets interviews, per user and segment, with what other users saw as the prior.

- user cells     read `workflow.completed` (WorkflowCompleted) and `learning.priors` (PriorDelivered); keep
                 `learning-users` (LearningUser: every outcome counted, in order, and the other users' counts per
                 segment); write `learning.updated` (LearningUpdated, compacted: a Beta posterior per variant,
                 the user's own successes and trials, the preferred variant) and `learning.contributions`
- segment cells  read `learning.contributions` (OutcomeContributed, keyed by segment); keep `learning-segments`
                 (LearningSegment: interviews and trials per variant, the last contribution counted per
                 contributor); write `learning.priors` (to the contributing user's cell)
- core           `step.user_step`, `step.segment_step`; the arithmetic in `posterior.py`; the variant choice is
                 `streams.messages.learning.choose_variant` (submission draws with it); no ports
- also           `report.py`: response, interview and offer rates by variant, template, ATS band, board,
                 seniority and days since posting (`resumeflow learning report`)

**The cross-user prior, through topics.** A user's cell counts each application once (its ledger remembers the
application ids; a completion no later than the one counted is a redelivery or a replay) and forwards it once to
its segment's cell, re-keyed user -> segment as analysis does user -> posting. The segment cell keeps counts
only: per variant, and per contributor the highest contribution number it counted. The contributor is a name
made from the user and the segment (`step.contributor_of`: an HMAC under a key from the deployment's
`RESUMEFLOW_API_SECRET` when the workers have one, else a UUIDv5 anyone knowing the user id can compute), so the
segment cell's state holds no user id; the contribution itself names the user in `reply_to` (the answer's
route), in clear on `learning.contributions`. The contributions of one contributor arrive in order, so a
contribution seen again (after a crash on either side) has a number already counted and changes nothing. The
segment cell answers each counted contribution on `learning.priors`, re-keyed back to the user, with its counts;
the user's cell subtracts its own contributions (up to the one answered) and keeps the rest as "the other users'
counts", used only from MIN_PRIOR_OUTCOMES outcomes of MIN_PRIOR_USERS other users on, shrunk to at most
PRIOR_PSEUDO_COUNT observations (`posterior.py`).

Why answers rather than a GlobalTable of segment counts or a broadcast: the prior must enter `step` as an event to
keep it pure and replayable, and only the answer to a user's own contribution knows which of the user's outcomes
the counts already hold (leave-one-out needs that); a broadcast would make the segment keep the user ids it sends
to. The price: a user's prior for a segment is as fresh as their latest outcome there, and before their first
one there the user has no posterior (choose_variant then draws from Beta(1, 1)).

Sizes: a user's ledger is ~80 bytes per application counted (a 1 MiB cell holds some 12,000, far beyond any daily
cap); a segment's cell ~40 bytes per contributor (16 MiB, like a board's cell: some 400,000 users per segment).
"""
