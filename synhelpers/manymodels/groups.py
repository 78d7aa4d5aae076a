"""Many models, the driver's side: which groups get a model, and how their rows reach the tasks.

Everything that reads the table runs on Spark; the driver receives one row per group (at most
``max_groups`` + 1). Groups are the values of ``group_column`` (a string or integer column; its
key is the value as ``CAST(x AS STRING)``); a group with fewer than ``min_rows_per_group``
labelled rows is *small*: its rows go to a global model (``small_groups="global"``, trained on a
sample of the whole table) or stay unscored (``"skip"``). Rows whose group is null are treated as
a small group.

Placement: each model trains in one Spark task. Rows are repartitioned on a ``__slot`` column
whose values are chosen so that Spark's hash partitioning sends each group to its own partition
(no two groups share a task, and the number of partitions is fixed, so adaptive execution does
not merge them); the largest groups get the first partitions, so they start first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..exceptions import AutoMLError, ConfigError

GLOBAL_KEY = "__global__"
SMALL_GROUPS = ("global", "skip")
KEY_COLUMN, SLOT_COLUMN = "__group_key", "__slot"
_GROUP_TYPES = ("string", "tinyint", "smallint", "int", "bigint")
_INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")


@dataclass
class GroupPlan:
    """The groups of a table and what happens to each."""
    table_name: str
    group_column: str
    group_type: str
    target: str
    features: list[str]
    spark_types: dict[str, str]
    counts: dict[str, int]                  # group key -> labelled rows (every non-null group)
    values: dict[str, object]               # group key -> typed value
    trained: list[str]                      # keys getting their own model, largest first
    small: dict[str, int]                   # keys below min_rows_per_group -> rows
    null_rows: int
    global_model: bool
    float_columns: list[str] = field(default_factory=list)
    min_rows: int = 0
    small_groups: str = "global"

    @property
    def jobs(self) -> list[str]:
        """The keys trained in the Spark job: the global model (the largest sample) first."""
        return ([GLOBAL_KEY] if self.global_model else []) + self.trained

    def describe(self, key) -> str:
        return f"{self.group_column}={self.values.get(key, key)!r}"

    def messages(self) -> list[str]:
        """One line per small group (and null group), saying what happens to its rows."""
        fate = ("its rows are scored by the global model" if self.global_model
                else "skipped: its rows are not scored")
        lines = [f"Group {self.describe(k)} has {n} labelled rows, fewer than "
                 f"min_rows_per_group={self.min_rows}: {fate}." for k, n in self.small.items()]
        if self.null_rows:
            fate = "the global model scores them" if self.global_model else "not scored"
            lines.append(f"{self.null_rows} rows have a null {self.group_column}: {fate}.")
        return lines


def resolve_column(columns: list[str], name: str, parameter: str, table: str) -> str:
    for column in columns:
        if column.lower() == str(name or "").lower():
            return column
    raise ConfigError(f"{parameter}={name!r} is not a column of table {table!r}; its columns "
                      f"are: {', '.join(columns)}.")


def plan_groups(df, table_name: str, target_column: str, group_column: str, *,
                min_rows_per_group: int, small_groups: str, max_groups: int,
                exclude_columns=()) -> GroupPlan:
    """Count the groups (one Spark aggregation) and decide each group's fate.

    Raises:
        ConfigError: an absent or unsuitable group/target/excluded column; more than
            ``max_groups`` groups (``small_groups`` is checked with the form,
            :func:`.settings.make_settings`).
        AutoMLError: no group is large enough and ``small_groups="skip"``; no labelled row.
    """
    from pyspark.sql import functions as F
    columns, types = df.columns, dict(df.dtypes)
    group = resolve_column(columns, group_column, "group_column", table_name)
    target = resolve_column(columns, target_column, "target_column", table_name)
    if group == target:
        raise ConfigError(f"group_column={group_column!r} is the target column: group by another "
                          "column (e.g. 'pickupTimeBin' or 'paymentType').")
    if types[group] not in _GROUP_TYPES:
        raise ConfigError(f"group_column={group!r} is {types[group]}: group by a string or "
                          "integer column (bin a numeric column into ranges first).")
    excluded = {resolve_column(columns, c, "exclude_columns", table_name) for c in exclude_columns}
    features = [c for c in columns if c not in {group, target} | excluded]
    if not features:
        raise ConfigError(f"Table {table_name!r} has no feature column besides the group, target "
                          "and excluded columns.")
    integers = [c for c in features if types[c] in _INTEGER_TYPES]
    aggregates = [F.count(F.col(target)).alias("__rows")] + [
        F.sum(F.col(c).isNull().cast("long")).alias(f"__nulls_{i}") for i, c in enumerate(integers)]
    rows = (df.groupBy(F.col(group).alias("__value")).agg(*aggregates)
            .limit(int(max_groups) + 2).collect())                 # bounded: max_groups + 2 rows
    groups = [r for r in rows if r["__value"] is not None]
    if len(groups) > max_groups:
        raise ConfigError(f"group_column={group!r} has more than max_groups={max_groups} values: "
                          "group by a coarser column, or raise max_groups.")
    null_rows = sum(int(r["__rows"]) for r in rows if r["__value"] is None)
    counts = {str(r["__value"]): int(r["__rows"]) for r in groups}
    values = {str(r["__value"]): r["__value"] for r in groups}
    if GLOBAL_KEY in counts:
        raise ConfigError(f"group_column={group!r} holds the value {GLOBAL_KEY!r}, which names the "
                          "global model: rename that group.")
    if not sum(counts.values()) + null_rows:
        raise AutoMLError(f"target_column {target!r} is null in every row of {table_name!r}.")
    float_columns = [c for i, c in enumerate(integers) if any(r[f"__nulls_{i}"] for r in rows)]
    trained = sorted((k for k, n in counts.items() if n >= min_rows_per_group),
                     key=lambda k: (-counts[k], k))
    small = {k: n for k, n in sorted(counts.items()) if n < min_rows_per_group}
    if not trained and small_groups == "skip":
        raise AutoMLError(f"No group of {group!r} has min_rows_per_group={min_rows_per_group} "
                          f"labelled rows (largest: {max(counts.values(), default=0)}): lower "
                          "min_rows_per_group, or use small_groups='global'.")
    return GroupPlan(table_name=table_name, group_column=group, group_type=types[group],
                     target=target, features=features, spark_types={c: types[c] for c in features},
                     counts=counts, values=values, trained=trained, small=small,
                     null_rows=null_rows, global_model=small_groups == "global" and bool(
                         small or null_rows or not trained),
                     float_columns=float_columns, min_rows=int(min_rows_per_group),
                     small_groups=small_groups)


def partition_slots(spark, partitions: int) -> list[int]:
    """For each partition ``p`` < ``partitions``, a bigint that Spark's hash partitioning (Murmur3,
    seed 42, the function SQL's ``hash`` computes) sends to ``p``."""
    from pyspark.sql import functions as F
    found: dict[int, int] = {}
    span = 64 * partitions
    start = 0
    while len(found) < partitions:
        rows = (spark.range(start, start + span)
                .select(F.pmod(F.hash(F.col("id")), F.lit(partitions)).alias("p"), "id")
                .groupBy("p").agg(F.min("id").alias("id")).collect())   # <= partitions rows
        for row in rows:
            found.setdefault(int(row["p"]), int(row["id"]))
        start += span
    return [found[p] for p in range(partitions)]


def training_frame(spark, df, plan: GroupPlan, max_rows_per_group: int, seed: int):
    """The rows each task trains on: every trained group (sampled down to about
    ``max_rows_per_group``) and, for the global model, a sample of the whole table; each group in
    its own partition (see the module docstring)."""
    from itertools import chain

    from pyspark.sql import functions as F
    needed = plan.features + [plan.target, plan.group_column]
    data = df.where(F.col(plan.target).isNotNull()).select(*needed)
    key = F.col(plan.group_column).cast("string")
    parts = []
    if plan.trained:
        grouped = data.where(key.isin(plan.trained)).withColumn(KEY_COLUMN, key)
        fractions = {k: min(1.0, 1.1 * max_rows_per_group / plan.counts[k]) for k in plan.trained}
        if any(f < 1.0 for f in fractions.values()):
            grouped = grouped.sampleBy(KEY_COLUMN, fractions, seed)
        parts.append(grouped)
    if plan.global_model:
        total = sum(plan.counts.values()) + plan.null_rows
        fraction = min(1.0, 1.1 * max_rows_per_group / max(total, 1))
        sample = data.sample(False, fraction, seed) if fraction < 1.0 else data
        parts.append(sample.withColumn(KEY_COLUMN, F.lit(GLOBAL_KEY)))
    frame = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    jobs = plan.jobs
    slots = partition_slots(spark, len(jobs))
    mapping = F.create_map(*chain.from_iterable((F.lit(k), F.lit(s)) for k, s in zip(jobs, slots)))
    frame = frame.withColumn(SLOT_COLUMN, mapping[F.col(KEY_COLUMN)].cast("long"))
    return frame.repartition(len(jobs), SLOT_COLUMN)
