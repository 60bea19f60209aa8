"""Write the bundled sample extracts: SAMPLE DATA, not real statistics.

Run ``python etl/sample/make_sample.py`` (or with ``--out DIR``) to write the files again. The
output is the same byte for byte on every run: the figures come from a seeded random generator
around realistic levels, and the XLSX is written with fixed timestamps.

Each file is in the real format its parser reads (Nomis XLSX download, Nomis query download, Nomis
API CSV, ONS Explore Local Statistics CSV, Census 2021 bulk CSV, NHS England fit-note CSV, ONS
Textkernel job-advert workbook) and covers the six South Midlands local authorities, their three
regions and England (fit notes: the two NHS sub-ICB areas). Local authority level only: no
neighbourhood codes and no lookups are bundled.

This script names the files and their seeds; the package ``etl.samplegen`` writes each family.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run as a script: the repository's packages first

from etl.samplegen.aps_figures import aps_figures  # noqa: E402
from etl.samplegen.census import census_ts066  # noqa: E402
from etl.samplegen.els import ons_local_employment, ons_local_sickness  # noqa: E402
from etl.samplegen.fit_notes import fit_notes_csv  # noqa: E402
from etl.samplegen.job_adverts import textkernel_xlsx  # noqa: E402
from etl.samplegen.nomis_aps import aps_t01_xlsx, nomis_api_aps  # noqa: E402
from etl.samplegen.places import COUNTRIES, LADS, REGIONS  # noqa: E402
from etl.samplegen.population import population_query  # noqa: E402

SEED = 20240501


def files() -> dict[str, bytes]:
    """Every sample file's name and bytes."""
    rng = random.Random(SEED)
    aps = aps_figures(rng)
    census_rng = random.Random(SEED + 1)
    return {
        "SAMPLE_aps_t01_economic_activity_2019_2023.xlsx": aps_t01_xlsx(aps),
        "SAMPLE_employment-rate.csv": ons_local_employment(aps),
        "SAMPLE_proportion-of-people-who-are-economically-inactive-due-to-sickness.csv": (
            ons_local_sickness(aps)
        ),
        "SAMPLE_nm_17_5_aps_long_term_sick.csv": nomis_api_aps(aps),
        "SAMPLE_population_estimates_2023.csv": population_query(aps, random.Random(SEED + 2)),
        "SAMPLE_census2021-ts066-ltla.csv": census_ts066(LADS, census_rng),
        "SAMPLE_census2021-ts066-rgn.csv": census_ts066(REGIONS, census_rng),
        "SAMPLE_census2021-ts066-ctry.csv": census_ts066(COUNTRIES, census_rng),
        "SAMPLE_fit_notes_subicb_2023_2024.csv": fit_notes_csv(random.Random(SEED + 3)),
        "SAMPLE_labour_demand_volumes_by_soc_2024.xlsx": textkernel_xlsx(random.Random(SEED + 4)),
    }


def write(out: Path = HERE) -> list[Path]:
    """Write every sample file into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files().items():
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
