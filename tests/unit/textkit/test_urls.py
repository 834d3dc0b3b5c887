"""One spelling per posting link: tracking parameters, host case, default port, trailing slash and fragment go;
whatever can select a page stays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from textkit.urls import canonical_url, is_tracking_parameter, url_identity

JOB = "https://jobs.example.test/platform-engineer"


@pytest.mark.parametrize(
    "variant",
    [
        "https://jobs.example.test/platform-engineer?utm_source=rss&utm_medium=feed&utm_campaign=autumn",
        "https://jobs.example.test/platform-engineer?UTM_Source=LinkedIn",
        "https://jobs.example.test/platform-engineer?gh_src=3f2a1b",
        "https://jobs.example.test/platform-engineer?lever-source=LinkedIn&lever-origin=applied",
        "https://jobs.example.test/platform-engineer?fbclid=IwAR0&gclid=Cj0KCQ&msclkid=1a2b",
        "https://JOBS.Example.Test/platform-engineer",
        "https://jobs.example.test:443/platform-engineer",
        "https://jobs.example.test/platform-engineer/",
        "https://jobs.example.test/platform-engineer#apply",
        "https://jobs.example.test/platform-engineer?",
        "  https://jobs.example.test/platform-engineer  ",
    ],
)
def test_links_that_differ_only_in_what_does_not_select_the_page_are_one(variant: str) -> None:
    assert canonical_url(variant) == JOB
    assert url_identity(variant) == JOB


def test_the_path_s_case_is_kept_for_fetching_and_folded_for_identity() -> None:
    assert canonical_url("https://x.test/Jobs/Platform-Engineer") == "https://x.test/Jobs/Platform-Engineer"
    assert url_identity("https://x.test/Jobs/Platform-Engineer") == url_identity("https://x.test/jobs/platform-engineer")


def test_parameters_that_name_the_job_are_kept_and_sorted() -> None:
    assert canonical_url("https://acme.test/careers?utm_source=x&gh_jid=4011&dept=eng") == (
        "https://acme.test/careers?dept=eng&gh_jid=4011")
    assert canonical_url("https://x.test/job?id=7&ID=8") == "https://x.test/job?ID=8&id=7"


def test_other_ports_credentials_ipv6_and_other_schemes() -> None:
    assert canonical_url("https://x.test:8443/a/") == "https://x.test:8443/a"
    assert canonical_url("http://x.test:80/a") == "http://x.test/a"
    assert canonical_url("https://[::1]:443/a") == "https://[::1]/a"
    assert canonical_url("mailto:jobs@x.test") == "mailto:jobs@x.test"
    assert canonical_url("") == canonical_url(None) == ""
    assert canonical_url("https://x.test:99999/a") == "https://x.test:99999/a"  # unreadable port: left as given


def test_tracking_parameters() -> None:
    assert all(map(is_tracking_parameter, ["utm_content", "gh_src", "GCLID", "mc_eid", "_hsenc"]))
    assert not any(map(is_tracking_parameter, ["gh_jid", "id", "jobId", "source_id", "page"]))


@given(st.from_regex(r"https?://[A-Za-z]{1,8}\.test(:[0-9]{2,4})?(/[A-Za-z0-9%~._-]{0,6}){0,3}/?"
                     r"(\?([a-z_]{1,6}=[A-Za-z0-9%+]{0,5}&?){0,3})?(#[a-z]{0,4})?", fullmatch=True))
def test_canonical_form_is_stable(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert url_identity(once) == url_identity(url)
