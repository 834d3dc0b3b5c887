"""The pydantic models and the Avro schemas agree: same fields, and a full record survives an Avro round trip."""

import io
from datetime import UTC, datetime
from typing import Any

import fastavro
import pytest

from streams import avro_schemas, messages
from streams.messages import Message

MODELS = [
    cls for cls in vars(messages).values()
    if isinstance(cls, type) and issubclass(cls, Message) and "avro_schema" in cls.__dict__
]
NOW = datetime(2026, 11, 28, 12, 30, 15, 123000, tzinfo=UTC)


def _fields(schema: Any) -> dict[str, Any]:
    return {field["name"]: field["type"] for field in schema["fields"]}


def _record_branch(avro_type: Any) -> dict[str, Any] | None:
    branches = avro_type if isinstance(avro_type, list) else [avro_type]
    for branch in branches:
        if isinstance(branch, dict) and branch.get("type") == "record":
            return branch
        if isinstance(branch, dict) and branch.get("type") == "array":
            return _record_branch(branch["items"])
    return None


def _assert_same_fields(model: type[Message], schema: dict[str, Any], where: str) -> None:
    avro_fields = _fields(schema)
    assert set(model.model_fields) == set(avro_fields), f"{where}: model and schema fields differ"
    for name, info in model.model_fields.items():
        nested_schema = _record_branch(avro_fields[name])
        annotation = info.annotation
        nested_models = [
            arg for arg in getattr(annotation, "__args__", (annotation,))
            if isinstance(arg, type) and issubclass(arg, Message)
        ]
        if nested_schema is not None:
            assert nested_models, f"{where}.{name}: schema has a record, model does not"
            _assert_same_fields(nested_models[0], nested_schema, f"{where}.{name}")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_fields_match_schema_fields(model: type[Message]) -> None:
    _assert_same_fields(model, avro_schemas.load_schema(model.avro_schema), model.__name__)


def _sample(model: type[Message]) -> Message:
    """A record with every optional field filled, so the round trip exercises each one."""
    search = messages.SavedSearch(
        name="s", keywords=["python"], locations=["Lisbon"], remote=messages.RemotePreference.REMOTE_ONLY,
        boards=[messages.BoardRef(source=messages.BoardSource.LEVER, token="acme")], companies=["Acme"],
        salary_floor=50000, salary_currency="EUR", exclusions=["crypto"],
    )
    prefs = messages.Preferences(saved_searches=[search], submission_mode=messages.SubmissionMode.AUTO, daily_cap=3,
                                 company_cap=1, company_cap_days=14, no_response_days=21)
    posting = {"source": "GREENHOUSE", "board_token": "acme", "source_job_id": "42", "title": "Dev",
               "company": "Acme", "locations": ["Lisbon"], "url": "https://x", "apply_url": "https://x/apply",
               "apply_email": "jobs@acme.example", "posted_at": NOW}
    common = {"event_id": "e-1", "user_id": "u-1", "occurred_at": NOW}
    requirements = {
        "title": "Dev", "company": "Acme", "type": "Full-time", "remote": "Hybrid", "location": "Lisbon",
        "salary": {"minimum": 1, "maximum": 2, "currency": "EUR"},
        "experience": {"years_min": 3, "years_max": 5, "level": "Mid-level"}, "degree": "BSc",
        "responsibilities": ["build"], "qualifications": ["python"],
        "skills": [{"name": "Python", "level": "expert", "keywords": ["python"], "required": False}]}
    analysis = {"event_id": "e", "occurred_at": NOW, "canonical_job_id": "j", "content_hash": "h",
                "extractor": "deterministic", "duplicate_of": "j0", "same_role_as": ["j2"],
                "dedup_evidence": ["same company"], "requirements": requirements, "embedding": [0.25, -0.5],
                "posting": posting}
    samples: dict[type[Message], dict[str, Any]] = {
        messages.Preferences: prefs.model_dump(),
        messages.UserCommand: {**common, "kind": "UPDATE_PROFILE", "email": "a@b.co", "profile_json": "{}",
                               "preferences": prefs},
        messages.UserProfile: {**common, "email": "a@b.co", "profile_version": 2, "profile_json": "{}",
                               "preferences": prefs,
                               "profile_notes": ["/work/0/company: read as 'name' (the name JSON Resume 1.0 uses)"]},
        messages.ProfileRejected: {**common, "command_id": "c-1", "command_kind": "REGISTER_USER",
                                   "reasons": ["bad"]},
        messages.UserCell: {"user_id": "u-1", "email": "a@b.co", "profile_version": 1, "profile_json": "{}",
                            "preferences": prefs, "created_at": NOW, "updated_at": NOW,
                            "applied_command_ids": ["c-1"], "refused_command_ids": ["c-0"]},
        messages.DeadLetter: {"event_id": "e", "occurred_at": NOW, "processor": "p", "source_topic": "t",
                              "source_partition": 3, "source_offset": 99, "error_type": "DecodeError",
                              "error": "bad", "key": b"\x00k", "value": b"\xffv"},
        messages.JobPosting: {"event_id": "e", "occurred_at": NOW, "canonical_job_id": "j", "source": "ASHBY",
                              "board_token": "acme", "source_job_id": "42", "status": "CLOSED", "title": "Dev",
                              "company": "Acme", "locations": ["Berlin"], "workplace": "HYBRID",
                              "employment_type": "FullTime", "salary_min": 1, "salary_max": 2,
                              "salary_currency": "EUR", "salary_text": "€1/yr", "posted_at": NOW, "updated_at": NOW,
                              "url": "https://x",
                              "apply_url": "https://x/apply", "description_text": "t", "description_html": "<p>t</p>",
                              "content_hash": "h", "description_original_chars": 5_000_000},
        messages.JobDiscovered: {**common, "canonical_job_id": "j", "search_name": "s", "title": "Dev",
                                 "company": "Acme", "match_reasons": ["keyword python"], "profile_version": 2},
        messages.JobAnalyzed: {**common, "canonical_job_id": "j", "score": 0.5, "matched_skills": ["python"],
                               "missing_skills": ["go"], "duplicate_of": "j0", "decision": "PROCEED",
                               "reasons": ["r"], "requirements": requirements, "posting": posting},
        messages.ResumeGenerated: {**common, "canonical_job_id": "j", "variant_id": "v", "template": "classic",
                                   "artifact_uri": "file:///a.pdf", "sha256": "a" * 64, "ats_score": 0.9,
                                   "provenance_summary": "12 lines",
                                   "resume_json_uri": "file:///a.json",
                                   "render_notes": ["Northwind Labs: shortened to its heading line to fit one page"],
                                   "decision_id": "d-1", "variants_total": 3, "cover_letter_uri": "file:///c.pdf",
                                   "cover_letter_sha256": "c" * 64},
        messages.ApplicationSubmitted: {**common, "application_id": "a", "canonical_job_id": "j",
                                        "variant_id": "v", "channel": "email", "idempotency_key": "k",
                                        "template": "classic", "resume_sha256": "a" * 64,
                                        "cover_letter_sha256": "c" * 64, "message_id": "<m@resumeflow>",
                                        "external_id": "gh-1", "posting": posting, "ats_score": 0.8,
                                        "seniority": "Senior", "segment": "Senior"},
        messages.ApplicationUpdated: {**common, "application_id": "a", "canonical_job_id": "j",
                                      "status": "WAITING", "reason": "daily cap", "channel": "email",
                                      "variant_id": "v", "recommended_variant_id": "v",
                                      "variants": [{"variant_id": "v", "template": "classic", "ats_score": 0.8,
                                                    "artifact_uri": "file:///a.pdf", "sha256": "a" * 64,
                                                    "resume_json_uri": "file:///a.json"}],
                                      "cover_letter_uri": "file:///c.pdf", "cover_letter_sha256": "c" * 64,
                                      "posting": posting, "score": 0.7, "matched_skills": ["python"],
                                      "missing_skills": ["go"], "seniority": "Senior", "wait_until": NOW,
                                      "answers": [{"question": "Email?", "answer": "a@b.co",
                                                   "source": "basics.email"}]},
        messages.ApplicationCommand: {**common, "application_id": "a", "kind": "APPROVE", "variant_id": "v",
                                      "note": "n"},
        messages.ApplicationFailed: {**common, "application_id": "a", "canonical_job_id": "j", "channel": "email",
                                     "reason": "550 mailbox unavailable", "attempts": 3, "retryable": True},
        messages.OutcomeReport: {**common, "source": "INBOX", "application_id": "a", "canonical_job_id": "j",
                                 "kind": "SCREEN", "responded_on": NOW.date(), "note": "n",
                                 "message": {"message_id": "<r@x>", "in_reply_to": "<m@resumeflow>",
                                             "references": ["<m@resumeflow>"], "from_address": "hr@acme.example",
                                             "to_address": "a@b.co", "from_name": "Acme Talent",
                                             "subject": "Re: Dev", "body_text": "Let's talk",
                                             "received_at": NOW},
                                 "external_id": "gh-1", "links_report_id": "r-0"},
        messages.ResponseReceived: {**common, "application_id": "a", "kind": "INTERVIEW", "detail": "call",
                                    "canonical_job_id": "j", "source": "INBOX", "responded_on": NOW.date(),
                                    "message_id": "<r@x>", "classified_by": "rules", "confidence": 0.9,
                                    "linked_by": "in_reply_to"},
        messages.LearningUpdated: {**common, "outcomes_seen": 4,
                                   "segments": [{"segment": "Senior", "preferred_variant_id": "v",
                                                 "arms": [{"variant_id": "v", "alpha": 2.5, "beta": 1.5,
                                                           "successes": 1, "trials": 2}]}]},
        messages.PostingSummary: posting,
        messages.BoardSubscription: {"event_id": "e", "occurred_at": NOW, "board_key": "lever:acme",
                                     "board": search.boards[0], "user_id": "u-1", "profile_version": 2,
                                     "searches": [search]},
        messages.BoardCell: {"board_key": "lever:acme", "board": search.boards[0],
                             "followers": [{"user_id": "u-1", "profile_version": 2, "searches": [search],
                                            "matched_version": 1}],
                             "postings": {"lever:acme:1": {"content_hash": "h", "source_job_id": "1", "title": "Dev",
                                                           "company": "Acme", "url": "https://x"}},
                             "etag": "W/1", "last_modified": "Sat, 28 Nov 2026 10:00:00 GMT", "last_polled_at": NOW,
                             "consecutive_failures": 2, "followers_changed_at": NOW, "skipped_digest": "d"},
        messages.JobAnalysis: analysis,
        messages.AnalysisUser: {"user_id": "u-1", "profile_version": 3, "terms": ["python"], "years_of_experience": 9.5,
                                "embedding": [0.5, -0.25], "proceeding": {"lever:a:1": "greenhouse:a:2"},
                                "pending": {"lever:a:3": {"analysis": analysis, "failure": None, "posting_at": NOW,
                                                          "profile_version": 3},
                                            "lever:a:4": {"analysis": None, "failure": "unreadable"}},
                                "decided": {"lever:a:1": {"content_hash": "h", "profile_version": 3,
                                                          "posting_at": NOW}}},
        messages.AnalysisJob: {"canonical_job_id": "j", "content_hash": "h", "posting_at": NOW, "analysis": analysis,
                               "failure": "f", "subscribers": ["u-1", "u-2"], "requested": {"u-1": 2, "u-2": 1}},
        messages.AnalysisRequested: {"event_id": "e", "occurred_at": NOW, "canonical_job_id": "j", "user_id": "u-1",
                                     "profile_version": 2},
        messages.AnalysisDelivered: {**common, "canonical_job_id": "j", "analysis": analysis, "failure": "f",
                                     "posting_at": NOW, "for_version": 2},
        messages.AnalysisFailed: {"event_id": "e", "occurred_at": NOW, "canonical_job_id": "j", "content_hash": "h",
                                  "reason": "unreadable"},
        messages.ResumeFailed: {**common, "canonical_job_id": "j", "stage": "render", "reason": "typst"},
        messages.BudgetCrossed: {"event_id": "e", "occurred_at": NOW, "scope": "user", "scope_id": "u-1",
                                 "budget_usd": 1.0, "spent_usd": 1.02, "day": "2026-11-28"},
        messages.GenerationUser: {"user_id": "u-1", "profile_version": 2, "profile_json": "{}",
                                  "pending": [{**common, "canonical_job_id": "j", "score": 0.5, "decision": "PROCEED",
                                               "requirements": requirements}],
                                  "generated": {"j0": "e-0"}, "answered": ["e-0"]},
        messages.SubmissionTick: {**common},
        messages.SubmissionUser: {
            "user_id": "u-1", "email": "a@b.co", "profile_version": 2, "profile_json": "{}", "preferences": prefs,
            "learning": {**common, "outcomes_seen": 1, "segments": [{"segment": "any", "arms": [
                {"variant_id": "v", "alpha": 1.5, "beta": 1.0}]}]},
            "applications": {"a": {
                "application_id": "a", "canonical_job_id": "j0", "posting_job_id": "j",
                "decision": {**common, "canonical_job_id": "j", "score": 0.5, "decision": "PROCEED",
                             "duplicate_of": "j0", "requirements": requirements, "posting": posting},
                "resumes": [{**common, "canonical_job_id": "j", "variant_id": "v", "template": "classic",
                             "artifact_uri": "file:///a.pdf", "sha256": "a" * 64, "ats_score": 0.9,
                             "decision_id": "e-1", "variants_total": 1}],
                "status": "WAITING", "approved": True, "variant_id": "v", "recommended_variant_id": "v",
                "channel": "email", "claim_round": 1, "attempts": 2, "not_before": NOW, "reason": "daily cap",
                "version": 3, "message_id": "<m@x>", "external_id": "gh-1"}},
            "early_resumes": [{**common, "canonical_job_id": "k", "variant_id": "v", "template": "classic",
                               "artifact_uri": "file:///b.pdf", "sha256": "b" * 64, "ats_score": 0.7}],
            "dispatches": [{"application_id": "a", "company": "acme", "at": NOW}], "seen_commands": ["c-1"]},
        messages.PollRequested: {"event_id": "e", "occurred_at": NOW, "board_key": "lever:acme", "force": True},
        messages.FollowedBoards: {"user_id": "u-1", "profile_version": 2, "board_keys": ["lever:acme"]},
        messages.SourceFailed: {"event_id": "e", "occurred_at": NOW, "board_key": "lever:acme",
                                "board": search.boards[0], "error_kind": "timeout", "error": "slow", "attempts": 3,
                                "consecutive_failures": 1},
        messages.OutcomeUnlinked: {**common, "report_id": "r-1", "source": "INBOX", "reason": "no application",
                                   "kind": "REJECTED", "subject": "Re: Dev", "from_address": "hr@acme.example",
                                   "responded_on": NOW.date()},
        messages.OutcomeTick: common,
        messages.OutcomesUser: {"user_id": "u-1", "no_response_days": 21, "answered": ["r-1"],
                                "unlinked": [{**common, "source": "USER", "kind": "OFFER", "note": "n"}],
                                "applications": [{"application_id": "a", "canonical_job_id": "j",
                                                  "submitted": {**common, "application_id": "a",
                                                                "canonical_job_id": "j", "variant_id": "v",
                                                                "channel": "email", "posting": posting,
                                                                "ats_score": 0.8},
                                                  "withdrawn_on": NOW.date(),
                                                  "responses": [{**common, "application_id": "a", "kind": "SCREEN",
                                                                 "responded_on": NOW.date(), "confidence": 0.9}],
                                                  "completed": "REJECTED"}]},
        messages.WorkflowCompleted: {**common, "canonical_job_id": "j", "application_id": "a", "variant_id": "v",
                                     "outcome": "OFFER", "template": "classic", "ats_score_band": "0.8-0.9",
                                     "board": "GREENHOUSE", "seniority": "Senior", "channel": "email",
                                     "segment": "Senior", "responded": True, "interviewed": True, "offered": True,
                                     "days_to_response": 6, "days_posting_to_submission": 2},
        messages.OutcomeContributed: {"event_id": "e", "occurred_at": NOW, "segment": "Senior", "contributor": "c",
                                      "seq": 3, "variant_id": "v", "successes": -1, "trials": 0, "reply_to": "u-1"},
        messages.PriorDelivered: {**common, "segment": "Senior", "version": 7, "through_seq": 3, "users": 5,
                                  "arms": [{"variant_id": "v", "successes": 2, "trials": 9}]},
        messages.LearningUser: {"user_id": "u-1",
                                "ledger": [{"application_id": "a", "segment": "Senior", "seq": 1, "variant_id": "v",
                                            "successes": 1, "trials": 1, "occurred_at": NOW}],
                                "others": [{"segment": "Senior", "version": 7, "users": 4,
                                            "arms": [{"variant_id": "v", "successes": 1, "trials": 8}]}]},
        messages.LearningSegment: {"segment": "Senior", "version": 7, "contributors": {"c": 3},
                                   "arms": [{"variant_id": "v", "successes": 2, "trials": 9}]},
    }
    return model.model_validate(samples[model])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_full_record_survives_an_avro_round_trip(model: type[Message]) -> None:
    schema = fastavro.parse_schema(avro_schemas.load_schema(model.avro_schema))
    original = _sample(model)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, original.to_avro())
    buffer.seek(0)
    assert model.model_validate(fastavro.schemaless_reader(buffer, schema, schema)) == original


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        messages.ResponseReceived(event_id="e", user_id="u", occurred_at=datetime(2026, 1, 1), application_id="a",
                                  kind=messages.ResponseKind.OTHER)
