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
