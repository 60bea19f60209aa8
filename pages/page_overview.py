"""Overview: the partnership against the 80% employment aspiration; each challenge at a glance."""

from __future__ import annotations

import streamlit as st

from dashboard import cards, focus, headline, panels, queries, steps
from dashboard.formatting import md

info = queries.info()
partnership_name = md(info["partnership_name"])

st.markdown(
    "The *Get Britain Working* White Paper aspires to an **80% employment rate**. This page shows "
    f"how far {partnership_name} and each of its places are from it, and where each place "
    "stands on the six challenges."
)


# ---------------------------------------------------------------------------------------------
# Distance to 80%
# ---------------------------------------------------------------------------------------------


def distance_to_80() -> dict[str, str]:
    """The section on the 80% aspiration; the employment rate's period it shows (so the cards
    below show the same)."""
    st.header("Distance to an 80% employment rate", anchor="distance-to-80")
    d = headline.distance_to_80(dict(info))
    if d is None:
        focus.not_loaded(
            "the employment rate (Annual Population Survey)",
            "Without it this page cannot say how far each place is from the 80% aspiration.",
            "employment",
        )
        return {}
    st.caption(d.caption)
    if d.metrics:
        with st.container(horizontal=True, key="headline_metrics"):
            for label, value, help_text in d.metrics:
                st.metric(label, value, help=help_text, border=True)
    left, right = st.columns([3, 2])
    with left:
        steps.draw([d.table])
        st.caption(d.foot)
    with right:
        st.vega_lite_chart(**d.chart)
        st.caption(
            "Dots: employment rate; lines: 95% confidence interval; dashed line: the 80% "
            "aspiration. Colour and shape give the verdict against England."
        )
    return dict(d.pinned)


pinned = distance_to_80()


# ---------------------------------------------------------------------------------------------
# The six challenges
# ---------------------------------------------------------------------------------------------

st.header("The six challenges", anchor="challenges")
st.caption(
    "Each card shows the challenge's headline measures for each place, with the period in its "
    "heading. A verdict against England appears only where the 95% confidence intervals support "
    "one."
)
chal = queries.challenges()
cols = st.columns(2)  # two to a row: room for a place and three measures
for i, ch in enumerate(chal.itertuples(index=False)):
    with cols[i % 2]:
        cards.card(ch.challenge_id, ch.title, pinned, info)


# ---------------------------------------------------------------------------------------------
# Focus panels
# ---------------------------------------------------------------------------------------------

titles = dict(zip(chal["challenge_id"], chal["title"], strict=True))
for challenge_id in ("employer_vacancies", "exclusion"):
    group = [p for p in panels.PANELS if p.challenge == challenge_id]
    st.header(f"Focus: {md(titles.get(challenge_id, challenge_id))}",
              anchor=f"focus-{challenge_id}")
    for p in group:
        focus.panel(p)


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------

st.header("How fresh are the figures?", anchor="freshness")
fresh = headline.freshness_table(dict(info))
if fresh is None:
    st.caption("No figures are loaded.")
else:
    steps.draw([fresh])
    st.caption(
        "Published: the publisher's release date where the source gives one, otherwise the day "
        "the file was retrieved where the file records it. The About page lists every source."
    )
