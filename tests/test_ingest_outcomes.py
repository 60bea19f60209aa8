"""A folder of real published files builds, whatever else is in it: every file ends as one outcome
(loaded, skipped, duplicate, quarantined), one broken file never costs the rest, --strict fails
naming every problem, and a refresh that cannot read a file keeps that file's figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import build
from etl.__main__ import main
from tests.test_app_pages import (  # noqa: F401  (fixture)
    no_errors,
    open_page,
    read_text,
    sample_geometry,
    table,
)

pytestmark = pytest.mark.shared_data

ELS = "ons_local_indicators"
T01 = "nomis/xlsx_downloads/aps_t01_economic_activity_2018_2022.xlsx"
TS066 = "nomis/census2021_bulk/ts066/census2021-ts066-ltla.csv"
HTML = b"<!DOCTYPE html>\n<html><head><title>Proxy error</title></head><body>502</body></html>"
ELS_HEADER = (
    "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"
)


def _real_folder(shared: Path, folder: Path) -> Path:
    """Real files of three publishers' formats: an ELS CSV with its JSON, a Nomis XLSX, a
    Census bulk CSV."""
    folder.mkdir()
    for name in ("employment-rate.csv", "employment-rate.json"):
        shutil.copy(shared / ELS / name, folder / name)
    shutil.copy(shared / T01, folder / Path(T01).name)
    shutil.copy(shared / TS066, folder / Path(TS066).name)
    return folder


def _outcomes(db: Path) -> dict[str, tuple[str, str | None, str | None, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT path, outcome, reason, location, figures FROM load_files WHERE load_id = "
            "(SELECT load_id FROM loads ORDER BY started_at DESC LIMIT 1)"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def _messy(shared: Path, folder: Path) -> Path:
    """The real files, plus what a download folder collects: a re-download, an error page saved
    as CSV, a cut-off CSV and a file of a kind the build does not read."""
    _real_folder(shared, folder)
    shutil.copy(folder / "employment-rate.csv", folder / "employment-rate (1).csv")
    (folder / "claimant-count.csv").write_bytes(HTML)
    text = (shared / ELS / "qualifications-none-gb.csv").read_bytes()
    (folder / "qualifications-none-gb.csv").write_bytes(text[:5000])  # cut inside a row
    (folder / "visits.csv").write_text("page,visits\nhome,12\n")
    return folder


def test_a_messy_folder_builds_and_names_each_outcome(shared_data, tmp_path, capsys):
    folder = _messy(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 0
    out = capsys.readouterr().out
    got = _outcomes(db)
    assert got["employment-rate.csv"][0] == "loaded"
    con = duckdb.connect(str(db), read_only=True)
    from_els = con.execute(
        "SELECT count(*) FROM observations o JOIN sources s USING (source_id) "
        "WHERE s.origin LIKE '%employment-rate.csv'"
    ).fetchone()[0]
    con.close()
    assert got["employment-rate.csv"][3] == from_els > 12000
    assert got["employment-rate (1).csv"][:2] == ("duplicate", "employment-rate.csv")
    assert got["claimant-count.csv"][0] == "quarantined"
    assert "HTML page" in got["claimant-count.csv"][1]
    outcome, reason, location, _ = got["qualifications-none-gb.csv"]
    assert outcome == "quarantined" and "cut off" in reason and location.startswith("line ")
    assert got["visits.csv"] == ("skipped", "a CSV layout this build does not know", None, 0)
    assert got["employment-rate.json"][0] == "skipped"
    assert got[Path(T01).name][0] == "loaded" and got[Path(TS066).name][0] == "loaded"
    # The summary ends with the table of outcomes, one line per file.
    table = out[out.index("Files (8: ") :]
    assert table.startswith("Files (8: 3 loaded, 2 skipped, 1 duplicate, 2 quarantined):")
    assert "  duplicate   employment-rate (1).csv: same bytes as employment-rate.csv" in table
    assert "  quarantined qualifications-none-gb.csv, line " in table
    # Each figure once: the copy added nothing.
    con = duckdb.connect(str(db), read_only=True)
    dupes = con.execute(
        "SELECT count(*) FROM (SELECT indicator_id, area_code, period_start, period_end, "
        "breakdown FROM observations GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    con.close()
    assert dupes == 0


def test_strict_fails_naming_every_problem_and_keeps_the_warehouse(shared_data, tmp_path, capsys):
    folder = _real_folder(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 0
    before = db.read_bytes()
    _messy(shared_data, tmp_path / "more")
    for name in ("claimant-count.csv", "qualifications-none-gb.csv", "employment-rate (1).csv"):
        shutil.copy(tmp_path / "more" / name, folder / name)
    capsys.readouterr()
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "--strict: 2 file(s) could not be read" in err
    assert "claimant-count.csv: this is an HTML page" in err
    assert "qualifications-none-gb.csv, line " in err and "cut off" in err
    assert db.read_bytes() == before


def test_a_refresh_that_cannot_read_a_file_keeps_its_figures_marked_not_refreshed(
    shared_data, tmp_path, capsys
):
    folder = _real_folder(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    first = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    t01_before = con.execute(
        "SELECT o.* EXCLUDE (load_id) FROM observations o JOIN sources s USING (source_id) "
        "WHERE s.dataset = 'aps_t01' ORDER BY ALL"
    ).fetchall()
    con.close()
    assert t01_before
    # The next download of T01 came back as a proxy's error page, saved over the file.
    (folder / Path(T01).name).write_bytes(HTML)
    second = build.run("files", db, from_dir=folder)
    assert second.of("quarantined")[0].path == Path(T01).name
    assert "aps_t01" in second.carried.figures
    assert "aps_t01: not refreshed: aps_t01_economic_activity_2018_2022.xlsx: this is an HTML" in (
        second.summary()
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        kept = con.execute(
            "SELECT o.* EXCLUDE (load_id) FROM observations o JOIN sources s USING (source_id) "
            "WHERE s.dataset = 'aps_t01' ORDER BY ALL"
        ).fetchall()
        source = con.execute(
            "SELECT carried_over_from_load, carried_over_reason FROM sources "
            "WHERE dataset = 'aps_t01'"
        ).fetchall()
        loads = con.execute("SELECT count(*) FROM loads").fetchone()[0]
    finally:
        con.close()
    # The same figures, values and statuses, from the same load, marked on their source.
    assert kept == t01_before
    assert source == [(first.load_id, f"{Path(T01).name}: {second.of('quarantined')[0].reason}")]
    assert loads == 2
    # A third build, the file still broken: still kept, still from the first load.
    third = build.run("files", db, from_dir=folder)
    assert third.carried.figures == second.carried.figures
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "SELECT DISTINCT carried_over_from_load FROM sources WHERE dataset = 'aps_t01'"
    ).fetchall() == [(first.load_id,)]
    con.close()


def test_a_file_simply_taken_out_of_the_folder_is_not_carried(shared_data, tmp_path):
    folder = _real_folder(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    (folder / Path(T01).name).unlink()
    result = build.run("files", db, from_dir=folder)
    assert result.carried.figures == {}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM sources WHERE dataset = 'aps_t01'").fetchone() == (0,)
    con.close()


def test_nothing_is_carried_from_a_warehouse_of_another_area(shared_data, tmp_path):
    folder = _real_folder(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    config = tmp_path / "area.toml"
    config.write_text(
        '[partnership]\ncode = "ONE"\nname = "Luton alone"\n\n'
        '[[lad]]\ncode = "E06000032"\nname = "Luton"\nregion = "E12000006"\n'
    )
    from core.area import load_area

    build.run("files", db, from_dir=folder, area=load_area(config))
    (folder / Path(T01).name).write_bytes(HTML)
    result = build.run("files", db, from_dir=folder)
    assert result.carried.figures == {}
    assert "another area configuration" in result.carried.refused


def _els(folder: Path, name: str, rows: list[str], source_date: str | None = None) -> None:
    (folder / f"{name}.csv").write_text("\n".join([ELS_HEADER, *rows]) + "\n")
    if source_date:
        meta = {"ess-beta-metadata": {"label": name, "sourceDate": source_date}}
        (folder / f"{name}.json").write_text(json.dumps(meta))


def test_overlapping_editions_keep_the_newer_and_count_the_revisions(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    row = "E06000032,Luton,LAD,Employment rate,2023-01-01/P1Y,{v},Percentage,%,,,,"
    _els(folder, "rates-april", [row.format(v=70.5)], "16/04/2024")
    _els(folder, "rates-july", [row.format(v=71.0)], "16/07/2024")
    same = "E06000055,Bedford,LAD,Employment rate,2023-01-01/P1Y,80.0,Percentage,%,,,,"
    (folder / "rates-april.csv").write_text(
        (folder / "rates-april.csv").read_text() + same + "\n"
    )
    (folder / "rates-july.csv").write_text((folder / "rates-july.csv").read_text() + same + "\n")
    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder)
    assert any(n.endswith("1 figures revised by " + str(folder / "rates-july.csv"))
               for n in result.notes)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT area_code, value FROM observations WHERE indicator_id = 'employment_rate_16_64' "
        "AND area_code IN ('E06000032', 'E06000055') ORDER BY 1"
    ).fetchall()
    con.close()
    assert rows == [("E06000032", 71.0), ("E06000055", 80.0)]  # one row each, the newer value


def test_els_files_of_other_indicators_load_into_their_ids(tmp_path):
    """The ELS files that loaded no figure before: claimant count, modelled unemployment, ASHE
    pay with its survey date, and one the catalogue does not know."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    _els(folder, "claimant-count", [
        "E06000032,Luton,LAD,Claimant Count,2025-06-01/P1M,5.4,Percentage,%,,,,",
        ",,,Claimant Count,2025-06-01/P1M,4.1,Percentage,%,,,,",  # no area code: counted
    ])
    _els(folder, "unemployment", [
        "E06000032,Luton,LAD,Modelled unemployment rate,2024-04-01/P1Y,6.2,Percentage,%,4.1,"
        "8.3,,",
        "E06000055,Bedford,LAD,Modelled unemployment rate,2024-04-01/P1Y,,Percentage,%,,,x,",
    ])
    _els(folder, "pay", [
        "E06000032,Luton,LAD,Gross median weekly pay,2025-04-30,590.1,Pounds,£,,,u,",
    ])
    _els(folder, "gva", [
        "E06000032,Luton,LAD,Gross value added per hour,2022-01-01/P1Y,38.2,Pounds,£,,,,",
    ])
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    got = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            "SELECT indicator_id, area_code, period_label, value, status FROM observations"
        ).fetchall()
    }
    con.close()
    assert got[("claimant_rate_16_64", "E06000032")] == ("June 2025", 5.4, None)
    assert got[("unemployment_rate_modelled", "E06000032")] == ("2024/25", 6.2, None)
    assert got[("unemployment_rate_modelled", "E06000055")][1:] == (None, "suppressed")  # x
    # u: the value kept, flagged; a single date: the survey's reference date.
    assert got[("median_weekly_pay_resident", "E06000032")] == (
        "30 April 2025", 590.1, "low_reliability")
    assert got[("els_gross_value_added_per_hour", "E06000032")][1] == 38.2
    assert any("loaded as els_gross_value_added_per_hour" in n for n in result.notes)
    claimant = next(o for o in result.outcomes if o.path == "claimant-count.csv")
    assert claimant.rows_left_out == {"rows without an area code": 1}
    assert not result.warnings  # no file loaded zero figures


def test_a_file_that_loads_no_figure_is_a_warning_and_no_source(tmp_path):
    """A file read whole whose every figure is for a place the warehouse does not keep (Welsh
    authorities) is named with its reason, and no page lists it as a source."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    _els(folder, "claimant-count", [
        "E06000032,Luton,LAD,Claimant Count,2025-06-01/P1M,5.4,Percentage,%,,,,",
    ])
    _els(folder, "claimant-count-wales", [
        "W06000015,Cardiff,LAD,Claimant Count,2025-06-01/P1M,4.0,Percentage,%,,,,",
        "W06000011,Swansea,LAD,Claimant Count,2025-06-01/P1M,3.6,Percentage,%,,,,",
    ])
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    wales = next(o for o in result.outcomes if o.path == "claimant-count-wales.csv")
    assert (wales.outcome, wales.figures) == ("skipped", 0)
    assert wales.reason == "read, but every figure is for a place outside those kept"
    assert result.warnings == [f"claimant-count-wales.csv: {wales.reason}"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        origins = [r[0] for r in con.execute("SELECT origin FROM sources").fetchall()]
        without_figures = con.execute(
            "SELECT source_id FROM sources WHERE source_id NOT IN "
            "(SELECT DISTINCT source_id FROM observations)"
        ).fetchall()
    finally:
        con.close()
    assert without_figures == []
    assert origins and not any("wales" in origin for origin in origins), origins


def test_an_older_neet_edition_with_national_rows_without_codes_loads(shared_data, tmp_path):
    folder = tmp_path / "neet"
    folder.mkdir()
    real = (shared_data / "neet" / "UD_NEETNK_LA_dashboard_2022_final.csv").read_text()
    header, *rows = real.splitlines()
    cols = header.split(",")
    at = cols.index("new_la_code")
    blank = rows[5].split(",")
    blank[at] = ""  # a row that names no authority, as older editions have
    (folder / "neet_old.csv").write_text("\n".join([header, ",".join(blank), *rows]) + "\n")
    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder)
    neet = next(o for o in result.outcomes if o.path == "neet_old.csv")
    assert neet.outcome == "loaded" and neet.figures > 0
    assert neet.rows_left_out["rows without an area code"] == 1


def test_the_about_page_says_what_the_build_did_with_each_file(
    shared_data, tmp_path, monkeypatch, sample_geometry  # noqa: F811  (fixture)
):
    folder = _real_folder(shared_data, tmp_path / "downloads")
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    (folder / Path(T01).name).write_bytes(HTML)
    shutil.copy(folder / "employment-rate.csv", folder / "employment-rate (1).csv")
    build.run("files", db, from_dir=folder)
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    at = open_page("about")
    no_errors(at)
    text = read_text(at)
    assert "**5 files found**: 2 read, 1 not read: broken, 1 a second copy, 1 passed by." in text
    assert "1 file(s) could not be read this time." in text
    assert (
        "**Annual Population Survey, T01 Economic activity by age (Nomis download)**: not "
        f"refreshed: {Path(T01).name}: this is an HTML page" in text
    )
    assert "download the file again; 3,290 figures from " in text
    files = table(at, "build_files").set_index("File")
    assert files.loc[Path(T01).name, "What happened"] == "Not read: broken"
    assert files.loc["employment-rate (1).csv", "Details"] == (
        "the same file as employment-rate.csv, read once"
    )
    assert files.loc["employment-rate.csv", "Details"].startswith("12,")


def test_local_authority_codes_in_no_ons_code_list_are_named_and_kept(
    shared_data, tmp_path, monkeypatch
):
    real = shared_data / "nomis" / "census2021_bulk" / "ts066" / "census2021-ts066-ltla.csv"
    lines = real.read_text(encoding="utf-8").splitlines()
    luton = next(line for line in lines if ",E06000032," in line)
    made_up = ["E06999991", "E06999992", "E06999993", "E07999994", "E08999995", "E09999996"]
    extra = [luton.replace(",Luton,E06000032,", f",Nowhere {c},{c},") for c in made_up]
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "census2021-ts066-ltla.csv").write_text("\n".join([*lines, *extra]) + "\n")
    monkeypatch.setenv("GEO_DIR", str(shared_data / "boundaries" / "lookups"))  # ONS code lists

    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder)

    named = [n for n in result.notes if "in no ONS code list" in n]
    assert named == [
        "6 local authority code(s) are in no ONS code list this build read, and their figures "
        "are kept as published: E06999991, E06999992, E06999993, E07999994, E08999995 and 1 "
        "more (from census2021-ts066-ltla.csv). Check the codes in those files, or refresh the "
        "lookups (python -m geo build)."
    ]  # the file's 300-odd real codes are all listed, so only the made-up ones are named
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        kept = con.execute(
            "SELECT count(DISTINCT area_code) FROM observations WHERE area_code LIKE 'E0_99999_'"
        ).fetchone()[0]
    assert kept == len(made_up)
