-- The warehouse schema: long, tidy, one row per figure. Only etl/warehouse.py writes it.

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,   -- dataset key + short hash of the bytes loaded
    dataset       VARCHAR NOT NULL,      -- catalogue dataset key
    publisher     VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    url           VARCHAR,
    licence       VARCHAR NOT NULL,
    attribution   VARCHAR NOT NULL,
    release_date  DATE,
    retrieved_at  TIMESTAMP,
    origin        VARCHAR NOT NULL,      -- the file or URL read
    sha256        VARCHAR NOT NULL,
    is_sample     BOOLEAN NOT NULL DEFAULT FALSE,
    notes         VARCHAR,
    carried_over_from_load VARCHAR,      -- set when this build could not refresh the dataset and
    carried_over_reason    VARCHAR       -- kept the earlier build's figures: which load, and why
);

CREATE TABLE indicators (
    indicator_id  VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL,
    unit          VARCHAR NOT NULL,
    unit_label    VARCHAR NOT NULL,
    decimals      INTEGER NOT NULL,
    polarity      VARCHAR NOT NULL CHECK (polarity IN ('high_is_good', 'low_is_good', 'none')),
    challenges    VARCHAR[] NOT NULL,
    levels        VARCHAR[] NOT NULL,    -- levels the indicator may be shown at
    aggregate     VARCHAR NOT NULL CHECK (aggregate IN ('ratio', 'sum', 'none')),  -- partnership figure
    description   VARCHAR NOT NULL,
    caveats       VARCHAR NOT NULL,
    datasets      VARCHAR[] NOT NULL,
    headline      INTEGER CHECK (headline IS NULL OR headline IN (1, 2, 3))
                  -- NULL: not a headline; 1-3: its order among the headline measures of its
                  -- first challenge
);

CREATE TABLE challenges (
    challenge_id  VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL,
    sort_order    INTEGER NOT NULL
);

CREATE TABLE areas (
    area_code      VARCHAR PRIMARY KEY,
    area_name      VARCHAR NOT NULL,     -- official name
    display_name   VARCHAR NOT NULL,     -- what a reader sees (neighbourhood name for MSOAs)
    area_level     VARCHAR NOT NULL CHECK (area_level IN
                       ('lsoa', 'msoa', 'lad', 'subicb', 'partnership', 'region', 'country')),
    parent_code    VARCHAR,              -- LSOA -> MSOA -> LAD -> partnership
    lad_code       VARCHAR,              -- the LAD an LSOA/MSOA lies in (itself for a LAD)
    region_code    VARCHAR,
    in_partnership BOOLEAN NOT NULL,
    valid_from     DATE,
    valid_to       DATE
);

CREATE TABLE area_lookup (
    from_code     VARCHAR NOT NULL,
    to_code       VARCHAR NOT NULL,
    relation      VARCHAR NOT NULL,      -- predecessor, subicb_member
    PRIMARY KEY (from_code, to_code, relation)
);

CREATE TABLE observations (
    indicator_id  VARCHAR NOT NULL,
    area_code     VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    period_label  VARCHAR NOT NULL,
    breakdown     VARCHAR NOT NULL DEFAULT 'total',
    value         DOUBLE,                -- NULL when suppressed or missing; never 0 for "no figure"
    numerator     DOUBLE,
    denominator   DOUBLE,
    ci_lower      DOUBLE,
    ci_upper      DOUBLE,
    status        VARCHAR CHECK (status IS NULL OR status IN
                      ('suppressed', 'low_reliability', 'below_threshold', 'missing',
                       'not_applicable', 'provisional', 'estimated', 'modelled', 'aggregated')),
    source_id     VARCHAR NOT NULL,
    load_id       VARCHAR NOT NULL,
    PRIMARY KEY (indicator_id, area_code, period_start, period_end, breakdown)
);

CREATE TABLE loads (
    load_id       VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,      -- live, files, sample
    area_name     VARCHAR NOT NULL,
    row_counts    JSON NOT NULL,         -- rows per indicator
    summary       VARCHAR NOT NULL,      -- the closing summary the command printed
    area_signature VARCHAR               -- the area configuration's codes, hashed
);

CREATE TABLE load_files (
    load_id       VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,      -- as found under the --from folder, or the live URL
    outcome       VARCHAR NOT NULL CHECK (outcome IN
                      ('loaded', 'skipped', 'duplicate', 'quarantined', 'failed')),
    reason        VARCHAR,               -- why skipped, quarantined or failed; a duplicate's twin
    location      VARCHAR,               -- where in the file the problem is (line, sheet, cell)
    dataset       VARCHAR,
    source_id     VARCHAR,
    figures       INTEGER NOT NULL,      -- figures in the warehouse from this file
    figures_by_indicator JSON NOT NULL,
    rows_left_out JSON NOT NULL,         -- reason -> rows or figures of the file not kept
    PRIMARY KEY (load_id, path)
);

CREATE TABLE changes (
    load_id       VARCHAR NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    rows_added    INTEGER NOT NULL,
    rows_removed  INTEGER NOT NULL,
    values_changed INTEGER NOT NULL,
    PRIMARY KEY (load_id, indicator_id)
);
