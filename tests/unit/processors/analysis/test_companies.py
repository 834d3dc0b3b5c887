"""Companies as entities: board tokens, the employer's own domains, names in the description."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.companies import (
    CompanyRelation,
    board_name,
    company_mentions,
    company_names,
    company_relation,
    normalize_company,
    url_name,
)

CURSOR_TEXT = ("As Manager of AI Deployment at Cursor, you'll lead a team supporting our enterprise customers. "
               "Cursor's momentum is real.")


def relation(a: tuple[str, str, tuple[str, ...], str], b: tuple[str, str, tuple[str, ...], str]) -> CompanyRelation:
    names_a, names_b = company_names(a[0], a[1], a[2]), company_names(b[0], b[1], b[2])
    found, _ = company_relation(names_a, company_mentions(a[3]), names_b, company_mentions(b[3]))
    return found


def test_the_legal_entity_with_the_brands_careers_site_is_the_brand() -> None:
    ashby = ("cursor", "cursor", ("https://jobs.ashbyhq.com/cursor/1",), CURSOR_TEXT)
    greenhouse = ("Anysphere", "anysphere", ("https://cursor.com/careers/9?gh_jid=9",), "")
    assert relation(greenhouse, ashby) is CompanyRelation.SAME


def test_a_site_token_is_an_alias_of_the_brand_its_text_names() -> None:
    ashby = ("cursor", "cursor", ("https://jobs.ashbyhq.com/cursor/1",), "")
    lever = ("anysphere", "anysphere", ("https://jobs.lever.co/anysphere/1",), CURSOR_TEXT)
    assert relation(lever, ashby) is CompanyRelation.ALIAS
    assert relation(ashby, lever) is CompanyRelation.ALIAS


def test_a_name_and_the_same_name_with_hospital_are_one_employer() -> None:
    a = ("Boys Town", "glassdoor", (), "")
    b = ("Boys Town Hospital", "glassdoor", (), "")
    assert relation(a, b) is CompanyRelation.SAME


@pytest.mark.parametrize(("a", "b"), [
    ("Acme, Inc.", "ACME Inc"), ("Acme LLC", "acme"), ("Tecolote Research\n3.8", "Tecolote Research"),
    ("The Walt Disney Company", "Walt Disney"), ("Procter & Gamble Co.", "Procter and Gamble"),
    ("Société Générale", "Societe Generale"), ("Anthropic PBC", "Anthropic"),
])
def test_company_names_that_are_the_same_company(a: str, b: str) -> None:
    assert normalize_company(a) == normalize_company(b)


def test_other_companies_with_the_same_kind_of_text_are_different() -> None:
    a = ("Globex", "globex", ("https://globex.example.net/jobs/1",), "We build rockets. Join Globex.")
    b = ("Initech", "initech", (), "We build printers at Initech.")
    assert relation(a, b) is CompanyRelation.DIFFERENT


@pytest.mark.parametrize("url", ["https://boards.greenhouse.io/acme/jobs/1", "https://jobs.lever.co/acme/1",
                                 "https://www.indeed.com/viewjob?jk=1", "https://acme.wd5.myworkdayjobs.com/x",
                                 "not a url", None])
def test_job_board_hosts_say_nothing_about_the_employer(url: str | None) -> None:
    assert url_name(url) is None


@pytest.mark.parametrize(("url", "name"), [("https://cursor.com/careers/1", "cursor"),
                                           ("https://www.jobs.abbott/us/en/job/1", "abbott"),
                                           ("https://careers.acme.co.uk/job/1", "acme")])
def test_the_employers_own_domain_is_its_name(url: str, name: str) -> None:
    assert url_name(url) == name


def test_board_tokens_lose_careers_and_legal_words() -> None:
    assert board_name("examplecorp-careers") == "examplecorp"
    assert board_name("anthropic-pbc") == "anthropic"


WORDS = st.sampled_from(["Acme", "Globex", "Cursor", "Anysphere", "Initech", "Hospital", "Group", "Inc."])


@given(st.lists(WORDS, min_size=1, max_size=3), st.lists(WORDS, min_size=1, max_size=3),
       st.lists(WORDS, max_size=4), st.lists(WORDS, max_size=4))
def test_the_relation_does_not_depend_on_which_posting_comes_first(
        a: list[str], b: list[str], text_a: list[str], text_b: list[str]) -> None:
    names_a, names_b = company_names(" ".join(a)), company_names(" ".join(b))
    mentions_a, mentions_b = company_mentions(" and ".join(text_a)), company_mentions(" and ".join(text_b))
    forward, _ = company_relation(names_a, mentions_a, names_b, mentions_b)
    backward, _ = company_relation(names_b, mentions_b, names_a, mentions_a)
    assert forward is backward
