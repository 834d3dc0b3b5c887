"""Discovery: polls each followed job board once for all its followers, publishes every posting once to the
global catalog, and tells each user which postings match their saved searches, and why.

- user cells   read `user.profiles`; keep `discovery-followed` (FollowedBoards); write
               `discovery.subscriptions` (BoardSubscription, re-keyed by board)
- board cells  read `discovery.subscriptions` and `<app>-discovery-polls` (PollRequested, the worker's own
               ticks); keep `discovery-boards` (BoardCell: followers, open postings, validators, failures);
               write `job.catalog` (JobPosting, keyed by canonical job id), `job.discovered` (JobDiscovered,
               keyed by user) and `discovery.errors` (SourceFailed)
- core         `step.follow_step`, `step.board_step_for(interval)`
- port         `FetchBoard` -> `BoardFetched | BoardNotModified | BoardFailed` (`ports.py`, `fetch.py`)
"""
