"""The themes charts, tested through their Vega-Lite specs: fields, sorting and colours."""

from __future__ import annotations

import pandas as pd
import pytest

from learning_tracker import charts
from learning_tracker.charts import OKABE_ITO, OUTCOME_COLOURS, OUTCOMES
from learning_tracker.rules import vocabulary

CATEGORIES = ["Communication", "Standards of service", "Finance"]


def category_outcomes() -> pd.DataFrame:
    return pd.DataFrame([
        ["Communication", 1, 0, 1, 0, 1, 3, 0.5, 3, 1, 1 / 3],
        ["Standards of service", 1, 2, 0, 0, 0, 3, 0.5, 2, 2, 1.0],
        ["Finance", 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None],
    ], columns=["Concern category", *OUTCOMES, "Times raised", "Share of concerns", "Complaints raising it",
                "Upheld or partly upheld", "Share upheld or partly upheld"])  # fmt: skip


def test_outcomes_have_one_fixed_order_and_okabe_ito_colours():
    assert OUTCOMES == ("upheld", "partly upheld", "not upheld", "withdrawn", "open")
    assert OUTCOME_COLOURS == {"upheld": "#D55E00", "partly upheld": "#E69F00", "not upheld": "#0072B2",
                               "withdrawn": "#CC79A7", "open": "#999999"}
    # Every outcome colour is Okabe-Ito, except grey for "no outcome yet"; no two outcomes share one.
    assert set(OUTCOME_COLOURS.values()) - set(OKABE_ITO) == {"#999999"}
    assert len(set(OUTCOME_COLOURS.values())) == 5
    assert vocabulary.UPHELD_OUTCOMES == ("upheld", "partly upheld")


def test_the_category_outcome_heat_map_puts_outcomes_in_order_then_the_upheld_share_in_its_colour():
    spec = charts.category_outcome_chart(category_outcomes()).to_dict()
    cells, counts, rate = spec["layer"]
    # One dataset (the frame) for every layer: the chart and its table show the same numbers.
    assert len(spec["datasets"]) == 1
    assert spec["datasets"][spec["data"]["name"]][0]["Concern category"] == "Communication"
    assert cells["transform"] == [{"fold": list(OUTCOMES), "as": ["Outcome", "Concerns raised"]}]
    assert cells["mark"]["type"] == "rect"
    columns = [*OUTCOMES, "% of complaints upheld or partly upheld"]
    x = cells["encoding"]["x"]
    assert (x["field"], x["sort"], x["scale"]) == ("Outcome", columns, {"domain": columns})
    assert x["axis"]["labelExpr"] == ("datum.label == '% of complaints upheld or partly upheld' ? "
                                      "['% of complaints', 'upheld or', 'partly upheld'] : split(datum.label, ' ')")
    assert cells["encoding"]["y"]["field"] == "Concern category"
    assert cells["encoding"]["y"]["sort"] == CATEGORIES
    assert cells["encoding"]["color"] == {"field": "Concerns raised", "type": "quantitative",
                                          "scale": {"scheme": "blues"}, "legend": None}
    assert counts["mark"]["type"] == "text"
    assert counts["encoding"]["text"] == {"field": "Concerns raised", "type": "quantitative"}
    # The upheld-or-partly-upheld share per category: a last column, in the upheld colour, same category order;
    # a category no complaint raised has no share.
    assert rate["mark"] == {"type": "text", "fontWeight": "bold", "color": OUTCOME_COLOURS["upheld"]}
    assert rate["transform"] == [{"filter": "isValid(datum['Share upheld or partly upheld'])"},
                                 {"calculate": "'% of complaints upheld or partly upheld'", "as": "Outcome"}]
    assert rate["encoding"]["text"] == {"field": "Share upheld or partly upheld", "type": "quantitative", "format": ".0%"}
    assert rate["encoding"]["y"]["sort"] == CATEGORIES
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["height"] == {"step": 22}


def test_outcomes_by_service_area_are_stacked_in_outcome_order_and_colour():
    frame = pd.DataFrame([["Team East", 0, 0, 1, 1, 1, 3, 0, 0.0], ["Team West", 1, 1, 0, 0, 0, 2, 2, 1.0]],
                         columns=["Service area", *OUTCOMES, "Complaints", "Upheld or partly upheld",
                                  "Share upheld or partly upheld"])
    spec = charts.outcomes_by_service_area_chart(frame).to_dict()
    assert spec["transform"][0] == {"fold": list(OUTCOMES), "as": ["Outcome", "Complaints with this outcome"]}
    assert spec["transform"][1] == {
        "calculate": "indexof(['upheld', 'partly upheld', 'not upheld', 'withdrawn', 'open'], datum.Outcome)",
        "as": "outcome_order"}
    colour = spec["encoding"]["color"]
    assert colour["scale"] == {"domain": list(OUTCOMES), "range": list(OUTCOME_COLOURS.values())}
    assert colour["sort"] == list(OUTCOMES)
    assert spec["encoding"]["order"] == {"field": "outcome_order", "type": "quantitative"}
    assert spec["encoding"]["y"]["sort"] == ["Team East", "Team West"]
    assert spec["encoding"]["x"]["field"] == "Complaints with this outcome"


def test_concerns_over_time_draw_a_line_per_category_in_fixed_colours_and_periods_in_order():
    frame = pd.DataFrame([(p, c, 1) for p in ["2021/22 Q4", "2022/23 Q1"] for c in CATEGORIES],
                         columns=["Period", "Concern category", "Times raised"])
    spec = charts.concerns_over_time_chart(frame, "By quarter").to_dict()
    assert spec["mark"] == {"type": "line", "point": True}
    assert spec["encoding"]["x"]["field"] == "Period"
    assert spec["encoding"]["x"]["sort"] == ["2021/22 Q4", "2022/23 Q1"]
    assert spec["encoding"]["y"]["field"] == "Times raised"
    assert spec["encoding"]["color"]["scale"] == {"domain": CATEGORIES, "range": OKABE_ITO[:3]}
    assert spec["title"] == "By quarter"


def test_category_colours_repeat_beyond_eight_categories():
    names = [f"c{i}" for i in range(10)]
    assert charts.category_scale(names).to_dict()["range"] == OKABE_ITO + OKABE_ITO[:2]


def test_the_service_area_heat_map_sorts_areas_as_given_and_categories_in_configured_order():
    frame = pd.DataFrame([("Team East", c, n) for c, n in zip(CATEGORIES, [2, 0, 1])]
                         + [("Team West", c, n) for c, n in zip(CATEGORIES, [1, 3, 0])],
                         columns=["Service area", "Concern category", "Times raised"])
    cells, labels = charts.service_area_category_chart(frame).to_dict()["layer"]
    assert cells["encoding"]["x"]["sort"] == CATEGORIES
    assert cells["encoding"]["y"]["sort"] == ["Team East", "Team West"]
    assert cells["encoding"]["color"] == {"field": "Times raised", "type": "quantitative",
                                          "scale": {"scheme": "blues"}, "legend": None}
    # Counts are white on cells darker than half the largest count.
    assert labels["encoding"]["color"]["condition"]["test"] == "(datum['Times raised'] > 1.5)"
    # Every category is named under its column: none dropped as "overlapping" (slanted, they do not).
    assert cells["encoding"]["x"]["axis"]["labelOverlap"] is False


def test_stage_times_show_each_stage_against_its_limit_as_a_dashed_rule():
    frame = pd.DataFrame([["2021/22 Q1", "Stage 1", 1, 10.0, 10], ["2021/22 Q2", "Stage 2", 1, 24.0, 25]],
                         columns=["Quarter received", "Stage", "Responses", "Average working days", "Limit (working days)"])
    lines, rules, labels = charts.stage_times_chart(frame).to_dict()["layer"]
    assert lines["mark"] == {"type": "line", "point": True}
    assert lines["encoding"]["y"]["field"] == "Average working days"
    assert lines["encoding"]["x"]["sort"] == ["2021/22 Q1", "2021/22 Q2"]
    stage_colours = {"domain": ["Stage 1", "Stage 2"], "range": ["#0072B2", "#D55E00"]}
    assert lines["encoding"]["color"]["scale"] == stage_colours
    assert rules["mark"] == {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 2}
    assert rules["transform"] == [{"aggregate": [{"op": "max", "field": "Limit (working days)", "as": "Limit"}],
                                   "groupby": ["Stage"]}]
    assert rules["encoding"]["y"] == {"field": "Limit", "type": "quantitative"}
    assert rules["encoding"]["color"]["scale"] == stage_colours
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["x"] == {"value": "width"}  # the limit's label at the right-hand end of its line


def test_compliment_bars_are_sorted_largest_first():
    frame = pd.DataFrame([["professional", 2], ["parent or carer", 1]], columns=["Source", "Compliments"])
    spec = charts.compliments_chart(frame, "Source", "Compliments by source").to_dict()
    assert spec["mark"] == {"type": "bar", "color": charts.COMPLIMENT_COLOUR}
    assert spec["encoding"]["y"] == {"field": "Source", "type": "nominal", "sort": "-x", "title": None,
                                     "axis": {"labelLimit": 220}}
    assert spec["encoding"]["x"]["field"] == "Compliments"
    assert spec["encoding"]["x"]["axis"] == {"tickMinStep": 1}  # counts: no 0.2, 0.4, ... ticks


def test_compliments_against_complaints_pair_two_bars_per_area():
    frame = pd.DataFrame([["Team West", 2, 2], ["Team East", 1, 3]], columns=["Service area", "Compliments", "Complaints"])
    spec = charts.compliments_and_complaints_chart(frame).to_dict()
    assert spec["transform"] == [{"fold": ["Compliments", "Complaints"], "as": ["Received", "Number"]}]
    assert spec["encoding"]["y"]["sort"] == ["Team West", "Team East"]
    assert spec["encoding"]["yOffset"] == {"field": "Received", "type": "nominal", "sort": ["Compliments", "Complaints"]}
    assert spec["encoding"]["color"]["scale"] == {"domain": ["Compliments", "Complaints"], "range": ["#009E73", "#56B4E9"]}


@pytest.mark.parametrize("build", [
    lambda: charts.category_outcome_chart(category_outcomes()),
    lambda: charts.compliments_chart(pd.DataFrame([["professional", 2]], columns=["Source", "Compliments"]), "Source", "x"),
])
def test_charts_render_as_png_and_svg_without_a_browser(build):
    chart = build()
    assert charts.to_png(chart).startswith(b"\x89PNG\r\n\x1a\n")
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
