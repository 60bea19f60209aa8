"""URL parameters: what is accepted, what falls back, and how ignored values are reported."""

from __future__ import annotations

from dashboard import state
from dashboard.formatting import md_escape

INDICATORS = {"employment_rate_16_64": "Employment rate", "inactivity_rate_16_64": "Inactivity"}


def test_a_known_value_is_used():
    parsed = state.parse_one("indicator", "inactivity_rate_16_64", INDICATORS, "x", what="known")
    assert parsed.value == "inactivity_rate_16_64"
    assert parsed.ignored is None


def test_case_and_spaces_are_forgiven():
    parsed = state.parse_one("indicator", " Inactivity_Rate_16_64 ", INDICATORS, "x", what="k")
    assert parsed.value == "inactivity_rate_16_64"


def test_the_last_of_repeated_values_counts():
    parsed = state.parse_one(
        "level", ["msoa", "lad"], {"lad": "", "msoa": ""}, "lad", what="a level"
    )
    assert parsed.value == "lad"


def test_an_unknown_value_falls_back_and_is_named():
    parsed = state.parse_one(
        "indicator", "no_such_thing", INDICATORS, "employment_rate_16_64", what="an indicator"
    )
    assert parsed.value == "employment_rate_16_64"
    assert parsed.ignored == "Ignored indicator=“no\\_such\\_thing”: not an indicator."


def test_an_empty_value_is_the_default_without_a_message():
    parsed = state.parse_one("indicator", "", INDICATORS, "employment_rate_16_64", what="x")
    assert parsed == state.Parsed("employment_rate_16_64")


def test_a_very_long_value_is_refused_and_cut_short_in_the_message():
    raw = "a" * 5000
    parsed = state.parse_one("indicator", raw, INDICATORS, "employment_rate_16_64", what="x")
    assert parsed.value == "employment_rate_16_64"
    assert "too long" in parsed.ignored
    assert len(parsed.ignored) < 200


def test_hostile_text_is_escaped_so_it_cannot_form_markup():
    raw = "<script>alert(1)</script>' OR 1=1; DROP TABLE observations; --"
    parsed = state.parse_one("area", raw, {"E06000032": "Luton"}, "GBW-SMID", what="a place")
    message = parsed.ignored
    assert parsed.value == "GBW-SMID"
    assert "<script>" not in message
    assert "\\<script\\>" in message
    assert "\\'" in message and "\\;" in message


def test_markdown_links_images_and_directives_cannot_form():
    for raw in ("![x](http://evil.example/a.png)", "[click](javascript:alert(1))",
                ":red[alarm]", "$x^2$", "**bold**"):
        escaped = md_escape(raw)
        for ch in "[]()!*:$^":
            assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch and i)


def test_control_characters_and_newlines_are_flattened():
    assert md_escape("a\nb\tc\x00d") == "a b c d"


def test_places_keep_known_codes_and_name_the_rest():
    places = {"E06000032": "Luton", "E06000055": "Bedford"}
    parsed = state.parse_many(
        "places", ["E06000032", "E99999999", "E06000032"], places, [], what="a place"
    )
    assert parsed.value == ["E06000032"]
    assert "E99999999" in parsed.ignored


def test_places_accept_a_comma_separated_list():
    places = {"E06000032": "Luton", "E06000055": "Bedford"}
    parsed = state.parse_many("places", "E06000055,E06000032", places, [], what="a place")
    assert parsed.value == ["E06000055", "E06000032"]
    assert parsed.ignored is None


def test_places_all_unknown_fall_back_to_the_default():
    parsed = state.parse_many("places", ["x", "y"], {"E06000032": "Luton"}, [], what="a place")
    assert parsed.value == []
    assert "“x”, “y”" in parsed.ignored


def test_a_flood_of_values_is_bounded():
    places = {f"E0600{i:04d}": str(i) for i in range(500)}
    raw = list(places)[:400]
    parsed = state.parse_many("places", raw, places, [], what="a place")
    assert len(parsed.value) == state.MAX_ITEMS
    assert "further values" in parsed.ignored


def test_flags():
    assert state.parse_flag("x", "1", False).value is True
    assert state.parse_flag("x", "off", True).value is False
    bad = state.parse_flag("x", "maybe", True)
    assert bad.value is True and "maybe" in bad.ignored


def test_unknown_parameter_names_are_reported_escaped():
    message = state.unknown_parameters(["indicator", "embed", "<b>x</b>"])
    assert message == "Ignored unknown URL parameter(s) “\\<b\\>x\\<\\/b\\>”."
    assert state.unknown_parameters(["indicator", "places", "embed_options"]) is None


def test_values_are_written_to_the_url_as_identifiers():
    assert state.serialise(["E06000032", "E06000055"]) == ["E06000032", "E06000055"]
    assert state.serialise(True) == ["1"]
    assert state.serialise("employment_rate_16_64") == ["employment_rate_16_64"]
