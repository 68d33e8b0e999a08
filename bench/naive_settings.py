"""Settings for the benchmark's naive baseline: the product plus one naive route."""

from retail.settings import *  # noqa: F403

ROOT_URLCONF = "bench.naive_api"
