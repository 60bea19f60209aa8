"""Lookup files: recognised by their headers, checked for one parent per place, and written
back in a normalised form that reads the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.errors import LookupError_
from core.lookups import Lookups, find_lookups, read_lookup_frame, write_lookups

HEADER = "LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,LAD22NM"


def csv(folder: Path, name: str, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_an_msoa_in_two_lads_is_named_with_both(tmp_path):
    path = csv(
        tmp_path,
        "lu.csv",
        HEADER,
        "E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton",
        "E01999902,Luton 001B,E02999901,Luton 001,E06000055,Bedford",
    )
    with pytest.raises(LookupError_) as err:
        find_lookups(tmp_path)
    assert str(path) in str(err.value)
    assert "E02999901 in E06000032, E06000055" in str(err.value)


def test_an_exact_lookup_repeating_an_lsoa_per_output_area_is_fine(tmp_path):
    csv(
        tmp_path,
        "oa.csv",
        "oa21cd," + HEADER.lower(),
        "E00999901,E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton",
        "E00999902,E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton",
    )
    lk = find_lookups(tmp_path)
    assert lk.lsoa_to_msoa() == {"E01999901": "E02999901"}


def test_two_files_disagreeing_about_an_lsoa_name_both(tmp_path):
    first = csv(
        tmp_path, "a.csv", HEADER, "E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton"
    )
    second = csv(
        tmp_path, "b.csv", HEADER, "E01999901,Luton 001A,E02999902,Luton 002,E06000032,Luton"
    )
    with pytest.raises(LookupError_) as err:
        find_lookups(tmp_path)
    assert str(second) in str(err.value) and str(first) in str(err.value)
    assert "E01999901 (E02999902 here, E02999901 there)" in str(err.value)


def test_the_newest_lad_column_wins_and_former_codes_map_to_current(tmp_path):
    csv(
        tmp_path,
        "lu.csv",
        "LSOA21CD,LSOA21NM,LAD21CD,LAD21NM,LAD23CD,LAD23NM",
        "E01999901,Corby 001A,E07000150,Corby,E06000061,North Northamptonshire",
    )
    csv(
        tmp_path,
        "la_all_codes.csv",
        "LADCD,LADNM,LADCD_ACTIVE,LADNM_ACTIVE,RGNCD,RGNNM",
        "E07000150,Corby,E06000061,North Northamptonshire,E12000004,East Midlands",
        "E06000061,North Northamptonshire,E06000061,North Northamptonshire,E12000004,East Midlands",
    )
    lk = find_lookups(tmp_path)
    assert lk.lsoa_to_lad() == {"E01999901": "E06000061"}
    assert lk.successors() == {"E07000150": "E06000061"}
    assert lk.region_of()["E06000061"] == "E12000004"
    assert lk.lad_names()["E06000061"] == "North Northamptonshire"


def test_house_of_commons_library_names_fill_msoas(tmp_path):
    csv(tmp_path, "lu.csv", HEADER, "E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton")
    csv(
        tmp_path,
        "names.csv",
        "msoa21cd,msoa21nm,msoa21nmw,msoa21hclnm,msoa21hclnmw,localauthorityname",
        "E02999901,Luton 001,,Fixture Hill,,Luton",
    )
    lk = find_lookups(tmp_path)
    assert lk.lsoa21.loc[0, "msoa_hcl_name"] == "Fixture Hill"


def test_the_arcgis_lsoa11_field_name_is_recognised():
    lk = Lookups()
    frame = pd.DataFrame(
        {
            "F_LSOA11CD": ["E01015700"],
            "LSOA21CD": ["E01999901"],
            "CHGIND": ["S"],
            "LAD22CD": ["E06000032"],
        }
    )
    assert read_lookup_frame(frame, "https://example.invalid/lsoa11", lk)
    assert lk.lsoa11.to_dict("records") == [
        {
            "lsoa11_code": "E01015700",
            "lsoa21_code": "E01999901",
            "change": "S",
            "lad_code": "E06000032",
        }
    ]


def test_normalised_lookups_read_back_the_same(tmp_path):
    src = tmp_path / "src"
    csv(src, "lu.csv", HEADER, "E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton")
    csv(
        src,
        "lsoa11.csv",
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD",
        "E01015700,Luton 001A,E01999901,Luton 001A,U,E06000032",
    )
    lk = find_lookups(src)
    lk.subicb = pd.DataFrame(
        [
            {
                "subicb_code": "E38000249",
                "subicb_ods": "M1J4Y",
                "subicb_name": "BLMK",
                "short_name": "BLMK",
                "icb_ods": "QHG",
                "icb_code": "E54000024",
                "lad_code": "E06000032",
            }
        ]
    )
    written = write_lookups(lk, tmp_path / "out")

    again = find_lookups(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(p.name for p in again.files)
    pd.testing.assert_frame_equal(again.lsoa21, lk.lsoa21, check_dtype=False)
    pd.testing.assert_frame_equal(again.lsoa11, lk.lsoa11, check_dtype=False)
    assert again.subicb.loc[0, "subicb_ods"] == "M1J4Y"


def test_a_lookup_with_mangled_codes_is_named(tmp_path):
    path = csv(
        tmp_path,
        "from_a_spreadsheet.csv",
        HEADER,
        "E01999901,Luton 001A,E02999901,Luton 001,E06000032,Luton",
        "#N/A,Luton 001B,E02999901,Luton 001,E06000032,Luton",
    )
    with pytest.raises(LookupError_) as err:
        find_lookups(tmp_path)
    assert str(path) in str(err.value) and "'#N/A'" in str(err.value)
