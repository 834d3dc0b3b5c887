"""Outcomes: what employers answered to each application, and each application's end.

- user cells  read `application.submitted` (what was sent: Message-ID, posting, variant), `application.updates`
              (WITHDRAWN ends a workflow), `user.profiles` (`no_response_days`), `outcome.reports` (the user's
              reports, mails from `resumeflow inbox read`, ATS webhooks) and `<app>-outcomes-ticks` (the timer);
              keep `outcomes-users` (OutcomesUser: applications with their answers, reports not linked yet);
              write `response.received` (ResponseReceived, linked and classified), `workflow.completed`
              (WorkflowCompleted, once per application, then a correction when a later answer raises it),
              `outcome.unlinked` (OutcomeUnlinked: a report that links to no application yet, for the user to
              see and fix) and `ai.budget`
- core        `step.step`; linking (`linking.py`) and the rules (`rules.py`, English and German) are pure
- ports       ClassifyReply (the AI gateway, only when the rules are unsure and a provider is configured)
- outside     `inbox.py` reads Maildir and mbox folders into reports (the CLI's `inbox read`)
"""
