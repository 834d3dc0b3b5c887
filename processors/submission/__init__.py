"""Submission: each application sent once, within the user's caps, by the best channel the posting allows.

- user cells  read `user.profiles` (mode REVIEW/AUTO/OFF, daily and company caps, the profile for the manual
              packet), `job.analyzed` (PROCEED decisions with their posting), `resume.generated` (the variants of
              each decision), `application.commands` (approve, reject, withdraw, mark applied, confirm sent or
              not), `learning.updated` (the posteriors the variant is drawn from) and `<app>-submission-ticks`
              (its own timer); keep `submission-users` (SubmissionUser: every application and its state, the
              dispatches the caps count); write `application.updates` (ApplicationUpdated after every change),
              `application.submitted` and `application.failed`
- core        `step.step` (the state machine, documented there), `limits.py` (caps), `channels/manual.py`
              (the packet's prepared answers)
- ports       `ports.py`: the PostgreSQL ledger (`ledger.py`) claimed before every send, the channels
              (`channels/`: email over SMTP, the Greenhouse and Lever apply APIs), Redis token buckets per channel,
              reconciliation of in-doubt emails in the user's mailbox

Never twice: one application per (user, canonical job) by its id (`derived_id("application", user, job)`, the
job being the posting's `duplicate_of` when it has one), and one send per ledger claim. Faust's exactly-once is
not relied on. A claim is released only when nothing can have gone out (a failure before the application was
handed over, the channel's explicit "not taken", or the user's CONFIRM_NOT_SENT), and each release starts a new
claim round (a new idempotency key and Message-ID). Anything that may have arrived (a crash between sending and
confirming, silence or a 5xx after handing it over) is in doubt: settled by its BCC copy in the user's mailbox or
by the user, never resent blindly.
"""
