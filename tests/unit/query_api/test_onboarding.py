"""The preferences route's own check: pydantic's errors named by field, as the profiles processor names its."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from query_api.app import preferences_problems
from streams.messages import Preferences


def test_shape_errors_are_json_pointers_under_preferences() -> None:
    with pytest.raises(ValidationError) as caught:
        Preferences.model_validate({"daily_cap": -1, "saved_searches": [{"name": "x", "salary_floor": "lots"}]})
    problems = preferences_problems(caught.value)
    assert sorted(p["path"] for p in problems) == ["/preferences/daily_cap",
                                                   "/preferences/saved_searches/0/salary_floor"]
    assert all(p["message"] for p in problems)


def test_a_salary_floor_too_large_for_avro_is_a_shape_error_not_a_failed_publish() -> None:
    with pytest.raises(ValidationError) as caught:
        Preferences.model_validate({"saved_searches": [{"name": "x", "salary_floor": 10**20}]})
    assert [p["path"] for p in preferences_problems(caught.value)] == ["/preferences/saved_searches/0/salary_floor"]


def test_a_key_with_a_slash_is_escaped_in_its_pointer() -> None:
    with pytest.raises(ValidationError) as caught:
        Preferences.model_validate({"a/b~c": 1})
    assert [p["path"] for p in preferences_problems(caught.value)] == ["/preferences/a~1b~0c"]
