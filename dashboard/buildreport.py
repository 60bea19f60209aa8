"""What the last build did with each file it found, and what it could not refresh, in plain words
(the About page shows it; the command line prints the same record as a table)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import memo, provenance, steps
from dashboard.formatting import date_text, format_number, md
from dashboard.steps import Step

OUTCOME_WORDS = {
    "loaded": "Read",
    "quarantined": "Not read: broken",
    "failed": "Could not be fetched",
    "duplicate": "A second copy",
    "skipped": "Passed by",
}


def _counts(raw: object) -> dict[str, int]:
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else {}
    except json.JSONDecodeError:
        return {}
    return {str(k): int(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def what_happened(row: pd.Series, titles: dict[str, str]) -> str:
    """One file's outcome as a reader would put it."""
    outcome = str(row["outcome"])
    if outcome == "loaded":
        per = _counts(row["figures_by_indicator"])
        named = ", ".join(
            f"{titles.get(k, k)} ({format_number(v)})" for k, v in sorted(per.items())
        )
        text = (
            f"{format_number(row['figures'])} figures: {named}"
            if per
            else "its figures agree with a preferred source's, which is shown"
        )
    elif outcome == "duplicate":
        text = f"the same file as {row['reason']}, read once"
    else:
        text = str(row["reason"] or "")
        if isinstance(row["location"], str) and row["location"]:
            text = f"{row['location']}: {text}"
    left = _counts(row["rows_left_out"])
    if left:
        text += ". Left out: " + "; ".join(
            f"{format_number(n)} {why}" for why, n in sorted(left.items())
        )
    return text


def files_table(load_id: str, titles: dict[str, str]) -> None:
    """The outcome of every file the build found, problems first."""
    steps.draw(_file_steps(load_id, titles))


@memo.cached
def _file_steps(version: str, load_id: str, titles: dict[str, str]) -> tuple[Step, ...]:
    """What :func:`files_table` draws, kept per warehouse version (``dashboard.steps``)."""
    files = provenance.load_files(load_id)
    if files.empty:
        return (("caption", "This build did not record what it did with each file."),)
    counts = files["outcome"].value_counts()
    summary = ", ".join(
        f"{counts[k]} {OUTCOME_WORDS[k].lower()}" for k in OUTCOME_WORDS if k in counts
    )
    out: list[Step] = [("markdown", f"**{len(files)} files found**: {summary}.")]
    problems = files[files["outcome"].isin(["quarantined", "failed"])]
    if not problems.empty:
        out.append(("warning",
            f"{len(problems)} file(s) could not be read this time. The figures they gave "
            "before are kept and marked as not refreshed (listed above); download them again "
            "and rebuild to refresh them."
        ))
    out.append(steps.table(
        pd.DataFrame(
            {
                "File": files["path"],
                "What happened": files["outcome"].map(OUTCOME_WORDS),
                "Details": [what_happened(r, titles) for _, r in files.iterrows()],
            }
        ),
        "build_files",
    ))
    return tuple(out)


def carried_notice() -> None:
    """Sources kept from an earlier build because this one could not read them."""
    kept = provenance.carried_over()
    if kept.empty:
        return
    st.subheader("Not refreshed")
    st.markdown(
        "\n".join(
            f"- **{md(r.title)}**: not refreshed: {md(str(r.reason).rstrip('.'), 400)}; "
            f"{format_number(r.figures)} figures from {date_text(r.loaded_at, short=False)} kept."
            for r in kept.itertuples(index=False)
        )
    )
