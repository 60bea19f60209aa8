"""Files that are not what their name or their first bytes say: every reader fed garbage of the
other formats, zips and workbooks named ``.csv``, and a zip bomb.

However a file fools the scanner, reading it ends as that file's outcome: ``quarantined``, with
a reason a person can read (no exception class, no traceback), and the other files load.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from core.area import load_area
from etl import build, detect, read, registry
from etl.workbook import MAX_MEMBERS, MAX_UNPACKED_BYTES, check_archive
from tests.test_bad_input import QUERY, _crlf

REPO = Path(__file__).resolve().parent.parent
SAMPLE = build.SAMPLE_DIR
GOOD = SAMPLE / "SAMPLE_employment-rate.csv"

# A file each parser recognises (what it is told it is reading when fed garbage).
EXAMPLES = {
    "nomis_api_csv": SAMPLE / "SAMPLE_nm_17_5_aps_long_term_sick.csv",
    "census_bulk": SAMPLE / "SAMPLE_census2021-ts066-ltla.csv",
    "nomis_query": None,  # written by the test (tests/test_bad_input.py's query download)
    "ons_local": GOOD,
    "nomis_xlsx": SAMPLE / "SAMPLE_aps_t01_economic_activity_2019_2023.xlsx",
    "ons_cc01": "claimant_count/lmregtabcc01march2023.xls",  # in the shared data
    "ashe_tables": "ashe/PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls",
    "fitnotes": SAMPLE / "SAMPLE_fit_notes_subicb_2023_2024.csv",
    "job_adverts": SAMPLE / "SAMPLE_labour_demand_volumes_by_soc_2024.xlsx",
    "neet": "neet/UD_NEETNK_LA_dashboard_2023_final.csv",  # in the shared data
    "vacancies": "vacancies/x06aug2025.xlsx",
}
CLAIMANT_XLS = "claimant_count/lmregtabcc01march2023.xls"
EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b|Traceback")


def _zip_of_text(salt: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"figures{salt}.csv", "a,b\n1,2\n")
    return buffer.getvalue()


def _workbook(salt: str = "") -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["Area", "Count" + salt])
    wb.active.append(["E06000032", 5])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xls(shared: Path | None, salt: str) -> bytes:
    """A legacy .xls: a real one cut short where the shared data has one, else its magic."""
    cut = 20_000 + sum(salt.encode())
    if shared is not None and (shared / CLAIMANT_XLS).is_file():
        return (shared / CLAIMANT_XLS).read_bytes()[:cut]
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(cut)


def garbage(shared: Path | None, parser: str, salt: str = "") -> dict[str, bytes]:
    """Bytes of every other kind a folder of downloads can hold (``salt`` makes the bytes of
    each call differ, so no file is another's duplicate)."""
    other = GOOD if parser == "nomis_query" else SAMPLE / "SAMPLE_population_estimates_2023.csv"
    return {
        "zip": _zip_of_text(salt),
        "xlsx": _workbook(salt),
        "xls": _xls(shared, salt),
        "html": b"<!DOCTYPE html><html><body><p>Sign in to Nomis</p></body></html>"
        + salt.encode(),
        "binary": bytes(range(256)) * 16 + salt.encode(),
        "other-csv": other.read_bytes() + salt.encode(),
        "prose": b"These figures were withdrawn.\nSee the release notes.\n" + salt.encode(),
    }


def example(name: str, shared: Path | None, folder: Path) -> Path:
    """A file the parser ``name`` recognises (skips where only the shared data has one)."""
    spec = EXAMPLES[name]
    if spec is None:
        path = folder / "query.csv"
        path.write_bytes(_crlf(QUERY))
        return path
    if isinstance(spec, str):
        if shared is None or not (shared / spec).is_file():
            pytest.skip(f"the shared data's {spec} is needed to give {name} a file it reads")
        return shared / spec
    return spec


def test_every_parser_is_covered():
    assert [m.NAME for m in registry.PARSERS] == list(EXAMPLES)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_parser_fed_garbage_of_the_other_formats_quarantines_it_with_a_reason(
    name, tmp_path, monkeypatch, capfd
):
    """The scanner is fooled on purpose: each garbage file is handed to the parser as if it
    were the parser's own format (as a file changed between sniffing and reading would be)."""
    from core.settings import shared_data_dir

    shared = shared_data_dir()
    recognised = detect.recognise(example(name, shared, tmp_path)).recognised
    assert recognised is not None and recognised.parser == name
    monkeypatch.setattr(detect, "recognise", lambda path: detect.ScanResult(path, recognised))
    capfd.readouterr()
    outcomes = []
    for suffix in (".csv", ".xlsx", ".xls"):  # a folder each: the same bytes are read once
        folder = tmp_path / f"garbage{suffix}"
        folder.mkdir()
        for kind, data in garbage(shared, name).items():
            (folder / f"{kind}{suffix}").write_bytes(data)
        outcomes += read.read_folder(folder, load_area()).outcomes
    printed = capfd.readouterr()
    assert len(outcomes) == 21
    for outcome in outcomes:
        assert outcome.outcome == "quarantined", (outcome.path, outcome.outcome)
        assert len(outcome.reason) > 15 and "\n" not in outcome.reason, outcome
        assert not EXCEPTION_NAME.search(outcome.reason), (outcome.path, outcome.reason)
    assert printed.out == "" and printed.err == ""  # nothing leaks onto the command line


def test_zips_and_workbooks_named_csv_and_garbage_of_every_kind_never_stop_the_build(tmp_path):
    from core.settings import shared_data_dir

    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    names = {}
    for suffix in (".csv", ".xlsx", ".xls"):
        for kind, data in garbage(shared_data_dir(), "", salt=suffix).items():
            name = f"{kind}{suffix}"
            (folder / name).write_bytes(data)
            names[name] = kind
    db = tmp_path / "warehouse.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--from", str(folder), "--db", str(db), "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout + done.stderr
    assert "Traceback" not in printed and "WARNING ***" not in printed
    assert "loaded      SAMPLE_employment-rate.csv" in done.stdout
    lines = {line.split()[1].rstrip(":,"): line for line in done.stdout.splitlines()
             if line.startswith(("  quarantined", "  skipped"))}
    for name in names:
        if name == "other-csv.csv":  # a population estimates download: it loads
            assert f"loaded      {name}" in done.stdout
            continue
        assert name in lines, f"{name} not in the summary"
        assert not EXCEPTION_NAME.search(lines[name]), lines[name]
    assert "quarantined zip.csv: not a readable XLSX workbook" in lines["zip.csv"]
    # A workbook is read as one whatever its name (this one is a layout no indicator uses).
    for name in ("xlsx.csv", "xlsx.xls", "xlsx.xlsx"):
        assert f"skipped     {name}: an XLSX layout this build does not know" in lines[name]


# -- zip bombs ----------------------------------------------------------------------------------


# ``python -m etl`` that says its own peak memory on stderr when it exits.
# The build's own peak (VmHWM: this process image's high-water mark; ru_maxrss would also count
# the pytest process it was forked from, which can be larger than the build).
MEASURED_BUILD = (
    "import atexit, re, runpy, sys\n"
    "atexit.register(lambda: print('peak_kb', re.search(r'VmHWM:\\s+(\\d+)',"
    " open('/proc/self/status').read()).group(1), file=sys.stderr))\n"
    "sys.argv = ['etl', *sys.argv[1:]]\n"
    "runpy.run_module('etl', run_name='__main__')\n"
)


def write_bomb(path: Path, unpacked: int) -> None:
    """An XLSX whose shared strings unpack to ``unpacked`` bytes of one repeated letter (the
    file itself is about a thousandth of that)."""
    template = zipfile.ZipFile(io.BytesIO(_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in template.infolist():
            if info.filename != "xl/sharedStrings.xml":
                zf.writestr(info.filename, template.read(info.filename))
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1 << 22)
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
            member.write(b"</t></si></sst>")


def test_an_xlsx_zip_bomb_is_quarantined_before_it_is_unpacked(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    bomb = folder / "aps_t01.xlsx"
    write_bomb(bomb, 1 << 30)  # 1 GiB of text in a file of about 1 MB
    assert bomb.stat().st_size < 2_000_000
    db = tmp_path / "warehouse.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", MEASURED_BUILD, "build", "--from", str(folder), "--db", str(db),
         "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    peak_mb = int(re.search(r"peak_kb (\d+)", done.stderr).group(1)) / 1024
    assert ("quarantined aps_t01.xlsx: the zip would unpack to 1,074 MB, more than the 268 MB "
            "limit (a damaged file or a zip bomb); not opened") in done.stdout
    assert "loaded      SAMPLE_employment-rate.csv" in done.stdout
    # The whole build (Python, pandas, DuckDB) stays well under the gigabyte the bomb holds.
    assert peak_mb < 600, f"the build peaked at {peak_mb:.0f} MB"


def test_the_archive_limits_refuse_a_zip_of_too_many_members(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(MAX_MEMBERS + 1):
            zf.writestr(f"m{i}.csv", "")
    with pytest.raises(Exception, match=f"{MAX_MEMBERS + 1:,} members"):
        check_archive(path)
    check_archive(SAMPLE / "SAMPLE_aps_t01_economic_activity_2019_2023.xlsx")  # a real one
    assert MAX_UNPACKED_BYTES == 256 * 1024 * 1024


def test_a_live_zip_of_csvs_is_checked_before_it_is_unpacked(tmp_path):
    from core.errors import ExtractError
    from etl.sources import fitnotes_live

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("fit_notes.csv", "w", force_zip64=True) as member:
        for _ in range(80):
            member.write(b"0" * (1 << 22))  # 320 MiB of one digit
    with pytest.raises(ExtractError, match="zip bomb"):
        fitnotes_live._csv_bodies("https://example.invalid/fit_notes.zip", bomb.read_bytes())
