-- Redshift schema of the analytics warehouse. Kept in the repository; applied by hand or by
-- `python manage.py warehouse_export --apply-schema` (statements separated by ";").
-- The same file, with the Redshift-only clauses (DISTSTYLE, DISTKEY, SORTKEY, ENCODE)
-- stripped, creates the PostgreSQL stand-in used locally and in the tests.
--
-- Choices, and why:
-- * Facts are DISTKEY(product_id): the busiest joins are fact -> dim_product (category,
--   supplier, price) and per-product questions (ABC, movers, sell-through); product ids
--   are many and evenly used, so rows spread over every slice without skew. Distributing on
--   store_id would leave ~100 distinct values on N slices and skew towards big stores.
-- * Facts are SORTKEY(day, store_id): nearly every query names a date range first and often
--   a store or region next; the compound sort key lets zone maps skip whole blocks, and the
--   nightly load appends the newest day at the end of the sort order (little VACUUM).
-- * dim_store and dim_date are small and joined by every query: DISTSTYLE ALL puts a copy
--   on every node so those joins never move data.
-- * dim_product (tens of thousands of rows) is DISTKEY(product_id), collocated with the facts.
-- * Columns use AZ64 for numbers and dates (Redshift's default for them) and ZSTD for text.

CREATE TABLE IF NOT EXISTS dim_date (
    day DATE NOT NULL ENCODE az64,
    year SMALLINT NOT NULL ENCODE az64,
    quarter SMALLINT NOT NULL ENCODE az64,
    month SMALLINT NOT NULL ENCODE az64,
    iso_week SMALLINT NOT NULL ENCODE az64,
    weekday SMALLINT NOT NULL ENCODE az64,
    PRIMARY KEY (day)
)
DISTSTYLE ALL
SORTKEY (day);

CREATE TABLE IF NOT EXISTS dim_store (
    store_id INTEGER NOT NULL ENCODE az64,
    code VARCHAR(16) NOT NULL ENCODE zstd,
    name VARCHAR(120) NOT NULL ENCODE zstd,
    region_code VARCHAR(16) NOT NULL ENCODE zstd,
    region_name VARCHAR(100) NOT NULL ENCODE zstd,
    format VARCHAR(16) NOT NULL ENCODE zstd,
    timezone VARCHAR(64) NOT NULL ENCODE zstd,
    PRIMARY KEY (store_id)
)
DISTSTYLE ALL
SORTKEY (store_id);

CREATE TABLE IF NOT EXISTS dim_product (
    product_id INTEGER NOT NULL ENCODE az64,
    sku VARCHAR(40) NOT NULL ENCODE zstd,
    name VARCHAR(200) NOT NULL ENCODE zstd,
    category_id INTEGER NOT NULL ENCODE az64,
    category_name VARCHAR(100) NOT NULL ENCODE zstd,
    cost DECIMAL(12, 2) NOT NULL ENCODE az64,
    price DECIMAL(12, 2) NOT NULL ENCODE az64,
    PRIMARY KEY (product_id)
)
DISTKEY (product_id)
SORTKEY (product_id);

CREATE TABLE IF NOT EXISTS fact_sales (
    day DATE NOT NULL ENCODE az64,
    store_id INTEGER NOT NULL ENCODE az64,
    product_id INTEGER NOT NULL ENCODE az64,
    units DECIMAL(12, 3) NOT NULL ENCODE az64,
    revenue DECIMAL(12, 2) NOT NULL ENCODE az64,
    cost DECIMAL(12, 2) NOT NULL ENCODE az64,
    returns_units DECIMAL(12, 3) NOT NULL ENCODE az64,
    returns_value DECIMAL(12, 2) NOT NULL ENCODE az64,
    PRIMARY KEY (day, store_id, product_id)
)
DISTKEY (product_id)
COMPOUND SORTKEY (day, store_id);

CREATE TABLE IF NOT EXISTS fact_stock (
    day DATE NOT NULL ENCODE az64,
    store_id INTEGER NOT NULL ENCODE az64,
    product_id INTEGER NOT NULL ENCODE az64,
    closing_on_hand DECIMAL(12, 3) ENCODE az64,
    receipts_units DECIMAL(12, 3) NOT NULL ENCODE az64,
    shrinkage_units DECIMAL(12, 3) NOT NULL ENCODE az64,
    stockout BOOLEAN NOT NULL,
    PRIMARY KEY (day, store_id, product_id)
)
DISTKEY (product_id)
COMPOUND SORTKEY (day, store_id);
