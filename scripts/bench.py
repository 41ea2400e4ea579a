#!/usr/bin/env python3
"""Benchmark of schemagen on generated Supabase-style schemas (issue 8, part 1).

For each size N it generates, deterministically (--seed):

  base.sql          the current schema as one migration file (or --sql-files files)
  base_yaml/        the same schema in schemagen's YAML, one file per table + the function
  edited_yaml/      about 10% of the tables edited, a few added and dropped
  edited.sql        the edited schema as SQL (what the YAML side amounts to; parse floor)

checks that `schemagen diff` of each YAML against its own SQL exits 0 (both describe the
same schema), then times, as separate processes, with the median wall time of several
runs and the peak RSS (wait4):

  floor       examples/parse_floor: pg_query::parse of base.sql + edited.sql, whole files
  floor/stmt  the same, statement by statement (one tree held at a time)
  fprint      pg_query::fingerprint of base.sql + edited.sql (raw parser, no trees)
  import      schemagen import base.sql --out <tmp>
  diff        schemagen diff --schema edited_yaml --sql base.sql > /dev/null
  migra       only where migra, psql and a --database-url are available (hook)

and prints a table, written as markdown (and JSON) beside the generated files.

    python3 scripts/bench.py                      # 100, 1000, 2000, 10000
    python3 scripts/bench.py --sizes 100,1000 --runs 3
    python3 scripts/bench.py --generate-only --sizes 2000

Python 3.11, standard library only. Builds nothing unless --build is given: run
`cargo build --release --bin schemagen --example parse_floor` first.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------
# The schema model, rendered to both SQL and YAML from the same data.
# --------------------------------------------------------------------------------------

NOUNS = [
    "projects", "tasks", "documents", "comments", "invoices", "orders", "products",
    "customers", "contacts", "messages", "channels", "events", "tickets", "notes",
    "files", "folders", "reports", "campaigns", "leads", "deals", "payments",
    "subscriptions", "teams", "members", "labels", "milestones", "reviews", "assets",
    "bookings", "courses", "lessons", "quizzes", "recipes", "playlists", "tracks",
]

TRIGGER_FUNCTION = "public.update_updated_at_column"
TRIGGER_BODY = "BEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND;\n"


@dataclass
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    check: str | None = None
    references: str | None = None  # unqualified public table, or auth.users
    on_delete: str | None = None
    primary_key: bool = False
    extra: bool = True  # may be dropped by an edit

    def definition(self, qualify: bool) -> str:
        """What follows the column name in CREATE TABLE (and the YAML short form)."""
        parts = [self.type]
        if self.primary_key:
            parts.append("primary key")
        if self.not_null:
            parts.append("not null")
        if self.default is not None:
            parts.append(f"default {self.default}")
        if self.check is not None:
            parts.append(f"check ({self.check})")
        if self.references is not None:
            ref = self.references
            if qualify and "." not in ref:
                ref = f"public.{ref}"
            parts.append(f"references {ref}(id)")
            if self.on_delete:
                parts.append(f"on delete {self.on_delete}")
        return " ".join(parts)


@dataclass
class Index:
    columns: str
    unique: bool = False
    where: str | None = None


@dataclass
class Policy:
    command: str
    using: str | None
    with_check: str | None = None
    roles: tuple[str, ...] = ("authenticated",)


@dataclass
class Table:
    name: str
    noun: str
    columns: list[Column]
    indexes: dict[str, Index]
    policies: dict[str, Policy]
    comment: str | None = None
    trigger: str = ""

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def used_columns(self) -> set[str]:
        """Columns an index, policy or key uses: an edit must not drop them."""
        used = {"id", "user_id", "created_at", "updated_at"}
        text = " ".join(
            [i.columns + " " + (i.where or "") for i in self.indexes.values()]
            + [(p.using or "") + " " + (p.with_check or "") for p in self.policies.values()]
        )
        for c in self.columns:
            if c.references or c.name in text:
                used.add(c.name)
        return used


def extra_column_choices(t: str) -> list[Column]:
    """The pool of mixed-type columns a table draws its extra columns from."""
    return [
        Column("title", "text", not_null=True, check="char_length(title) between 1 and 200"),
        Column("description", "text", check="char_length(description) <= 5000"),
        Column("status", "varchar(20)", not_null=True, default="'draft'",
               check="status in ('draft', 'active', 'paused', 'archived')"),
        Column("amount", "numeric(12,2)", not_null=True, default="0", check="amount >= 0"),
        Column("quantity", "integer", not_null=True, default="1", check="quantity > 0"),
        Column("is_active", "boolean", not_null=True, default="true"),
        Column("metadata", "jsonb", not_null=True, default="'{}'::jsonb"),
        Column("tags", "text[]", default="'{}'"),
        Column("due_date", "date"),
        Column("score", "double precision", default="0"),
        Column("external_ref", "bigint"),
        Column("email", "varchar(255)", check="email ~* '^[^@]+@[^@]+$'"),
        Column("priority", "smallint", not_null=True, default="3", check="priority between 1 and 5"),
        Column("published_at", "timestamptz"),
        Column("slug", "text", check="slug ~ '^[a-z0-9-]+$'"),
        Column("position", "integer", not_null=True, default="0"),
    ]


def make_table(rng: random.Random, i: int, earlier: list[Table]) -> Table:
    noun = NOUNS[i % len(NOUNS)]
    name = f"{noun}_{i}"
    cols = [
        Column("id", "uuid", primary_key=True, default="gen_random_uuid()", extra=False),
        Column("user_id", "uuid", not_null=True, references="auth.users", on_delete="cascade", extra=False),
    ]
    # Foreign keys to earlier tables: most tables have one, some two.
    if earlier:
        n_fk = rng.choices([0, 1, 2], weights=[2, 6, 2])[0]
        for parent in rng.sample(earlier[-200:], min(n_fk, len(earlier))):
            cname = f"{parent.noun[:-1]}_id"
            k = 2
            while any(c.name == cname for c in cols):
                cname = f"{parent.noun[:-1]}_{k}_id"
                k += 1
            nullable = rng.random() < 0.5
            cols.append(Column(cname, "uuid", not_null=not nullable, references=parent.name,
                               on_delete="set null" if nullable else "cascade", extra=False))
    # 6-12 columns in all, created_at and updated_at included.
    total = rng.randint(max(6, len(cols) + 3), 12)
    pool = extra_column_choices(name)
    extras = rng.sample(pool, total - len(cols) - 2)
    cols.extend(extras)
    cols.append(Column("created_at", "timestamptz", not_null=True, default="now()", extra=False))
    cols.append(Column("updated_at", "timestamptz", not_null=True, default="now()", extra=False))

    names = {c.name for c in cols}
    idx: dict[str, Index] = {f"idx_{name}_user_id": Index("user_id")}
    fks = [c.name for c in cols if c.references and c.name != "user_id"]
    if fks:
        idx[f"idx_{name}_{fks[0]}"] = Index(fks[0])
    else:
        idx[f"idx_{name}_created_at"] = Index("created_at desc")
    optional = []
    if "status" in names:
        optional.append((f"idx_{name}_user_status", Index("user_id, status", where="status <> 'archived'")))
    if "title" in names:
        optional.append((f"{name}_user_title_key", Index("user_id, lower(title)", unique=True)))
    if "tags" in names:
        optional.append((f"idx_{name}_tags", Index("tags")))
    if "due_date" in names:
        optional.append((f"idx_{name}_due_date", Index("due_date", where="due_date is not null")))
    rng.shuffle(optional)
    for k, v in optional[: rng.randint(0, 2)]:
        idx[k] = v

    owner = "(select auth.uid()) = user_id"
    pol = {f"Owners can read {name}": Policy("select", owner)}
    if rng.random() < 0.5:
        pol[f"Owners can update {name}"] = Policy("update", owner, owner)
    comment = f"Generated table {i}: {noun} of a user." if rng.random() < 0.4 else None
    return Table(name, noun, cols, idx, pol, comment, trigger=f"update_{name}_updated_at")


def make_schema(n: int, seed: int) -> list[Table]:
    rng = random.Random(f"{seed}:{n}")
    tables: list[Table] = []
    for i in range(n):
        tables.append(make_table(rng, i, tables))
    return tables


def edit_schema(tables: list[Table], seed: int) -> tuple[list[Table], dict[str, int]]:
    """About 10% of the tables edited: ~9% changed in place, ~0.5% dropped, ~0.5% added."""
    rng = random.Random(f"edit:{seed}:{len(tables)}")
    out = copy.deepcopy(tables)
    n = len(out)
    stats = {k: 0 for k in ["tables_changed", "columns_added", "columns_dropped", "defaults_changed",
                            "policies_changed", "policies_added", "policies_dropped",
                            "indexes_added", "indexes_dropped", "tables_added", "tables_dropped"]}
    n_drop = max(1, n // 200)
    n_add = max(1, n // 200)
    n_change = max(1, n // 10 - n_drop - n_add)

    referenced = {c.references for t in out for c in t.columns if c.references}
    droppable = [t for t in out if t.name not in referenced]
    dropped = {t.name for t in rng.sample(droppable, min(n_drop, len(droppable)))}
    out = [t for t in out if t.name not in dropped]
    stats["tables_dropped"] = len(dropped)

    for t in rng.sample(out, min(n_change, len(out))):
        stats["tables_changed"] += 1
        for op in rng.sample(["add_col", "drop_col", "default", "policy", "index"], rng.randint(1, 2)):
            if op == "add_col":
                new = rng.choice([
                    Column("notes", "text", check="char_length(notes) <= 2000"),
                    Column("archived_at", "timestamptz"),
                    Column("rank", "integer", not_null=True, default="0", check="rank >= 0"),
                    Column("settings", "jsonb", not_null=True, default="'{}'::jsonb"),
                ])
                if t.column(new.name) is None:
                    t.columns.insert(len(t.columns) - 2, new)
                    stats["columns_added"] += 1
            elif op == "drop_col":
                used = t.used_columns()
                victims = [c for c in t.columns if c.extra and c.name not in used]
                if victims:
                    t.columns.remove(rng.choice(victims))
                    stats["columns_dropped"] += 1
            elif op == "default":
                with_default = [c for c in t.columns if c.extra and c.default is not None]
                if with_default:
                    c = rng.choice(with_default)
                    c.default = {
                        "'draft'": "'active'", "0": "1", "1": "2", "true": "false", "3": "2",
                        "'{}'::jsonb": "'{\"v\": 1}'::jsonb", "'{}'": "'{untagged}'",
                    }.get(c.default, "null" if c.not_null is False else c.default)
                    if c.default == "null":
                        c.default = None
                    stats["defaults_changed"] += 1
            elif op == "policy":
                choice = rng.random()
                upd = f"Owners can update {t.name}"
                if choice < 0.5:
                    p = t.policies[f"Owners can read {t.name}"]
                    p.using = "(select auth.uid()) = user_id or (select auth.role()) = 'service_role'"
                    stats["policies_changed"] += 1
                elif upd in t.policies:
                    del t.policies[upd]
                    stats["policies_dropped"] += 1
                else:
                    t.policies[f"Owners can delete {t.name}"] = Policy("delete", "(select auth.uid()) = user_id")
                    stats["policies_added"] += 1
            elif op == "index":
                optional = [k for k in list(t.indexes)[2:]]
                if optional and rng.random() < 0.5:
                    del t.indexes[rng.choice(optional)]
                    stats["indexes_dropped"] += 1
                else:
                    name = f"idx_{t.name}_created_brin"
                    if name not in t.indexes:
                        t.indexes[name] = Index("created_at", where="created_at > '2024-01-01'")
                        stats["indexes_added"] += 1
    base_n = len(tables)
    for k in range(n_add):
        t = make_table(rng, base_n + k, out)
        t.name = f"added_{t.name}"
        t.indexes = {k2.replace(f"_{t.noun}_{base_n + k}", f"_{t.name}"): v for k2, v in t.indexes.items()}
        t.policies = {k2.replace(f"{t.noun}_{base_n + k}", t.name): v for k2, v in t.policies.items()}
        t.trigger = f"update_{t.name}_updated_at"
        out.append(t)
        stats["tables_added"] += 1
    return out, stats


def sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def render_sql(tables: list[Table], files: int = 1) -> list[str]:
    """The schema as migration text, split into `files` files at table boundaries."""
    head = (
        "-- Generated by scripts/bench.py.\n\n"
        f"CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}()\nRETURNS trigger\nLANGUAGE plpgsql\n"
        f"AS $${TRIGGER_BODY}$$;\n\n"
    )
    chunks: list[list[str]] = [[] for _ in range(max(1, files))]
    per = -(-len(tables) // len(chunks)) if tables else 1
    for i, t in enumerate(tables):
        q = f"public.{t.name}"
        out = chunks[min(i // per, len(chunks) - 1)]
        cols = ",\n".join(f"    {c.name} {c.definition(qualify=True)}" for c in t.columns)
        out.append(f"CREATE TABLE {q} (\n{cols}\n);\n")
        if t.comment:
            out.append(f"COMMENT ON TABLE {q} IS {sql_literal(t.comment)};\n")
        for name, ix in t.indexes.items():
            u = "UNIQUE " if ix.unique else ""
            w = f" WHERE {ix.where}" if ix.where else ""
            out.append(f"CREATE {u}INDEX {name} ON {q} ({ix.columns}){w};\n")
        out.append(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY;\n")
        for name, p in t.policies.items():
            s = f"CREATE POLICY {sql_ident(name)} ON {q} FOR {p.command.upper()} TO {', '.join(p.roles)}"
            if p.using:
                s += f" USING ({p.using})"
            if p.with_check:
                s += f" WITH CHECK ({p.with_check})"
            out.append(s + ";\n")
        out.append(
            f"CREATE TRIGGER {t.trigger} BEFORE UPDATE ON {q} FOR EACH ROW "
            f"EXECUTE FUNCTION {TRIGGER_FUNCTION}();\n\n"
        )
    texts = ["".join(c) for c in chunks]
    texts[0] = head + texts[0]
    return texts


_YAML_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def yaml_str(s: str) -> str:
    """A plain scalar when that is unambiguous, else a double-quoted (JSON) one."""
    plain = (
        s
        and s == s.strip()
        and s[0] not in _YAML_INDICATORS
        and ": " not in s
        and " #" not in s
        and not s.endswith(":")
        and s.lower() not in {"true", "false", "yes", "no", "on", "off", "null", "~"}
        and not s.replace(".", "", 1).isdigit()
        and "\n" not in s
    )
    return s if plain else json.dumps(s)


def render_yaml_table(t: Table) -> str:
    lines = [f"table: {t.name}"]
    if t.comment:
        lines.append(f"comment: {yaml_str(t.comment)}")
    lines.append("columns:")
    for c in t.columns:
        lines.append(f"  {c.name}: {yaml_str(c.definition(qualify=False))}")
    lines.append("indexes:")
    for name, ix in t.indexes.items():
        if not ix.unique and not ix.where:
            lines.append(f"  {name}: {yaml_str(ix.columns)}")
        else:
            lines.append(f"  {name}:")
            lines.append(f"    columns: {yaml_str(ix.columns)}")
            if ix.unique:
                lines.append("    unique: true")
            if ix.where:
                lines.append(f"    where: {yaml_str(ix.where)}")
    lines.append("rls: true")
    lines.append("policies:")
    for name, p in t.policies.items():
        lines.append(f"  {yaml_str(name)}:")
        lines.append(f"    command: {p.command}")
        lines.append(f"    roles: [{', '.join(p.roles)}]")
        if p.using:
            lines.append(f"    using: {yaml_str(p.using)}")
        if p.with_check:
            lines.append(f"    with_check: {yaml_str(p.with_check)}")
    lines += [
        "triggers:",
        f"  {t.trigger}:",
        "    timing: before",
        "    events: [update]",
        "    for_each: row",
        f"    function: {TRIGGER_FUNCTION}",
    ]
    return "\n".join(lines) + "\n"


FUNCTION_YAML = (
    f"function: {TRIGGER_FUNCTION}\n"
    "returns: trigger\n"
    "language: plpgsql\n"
    "body: |\n" + "".join(f"  {line}\n" for line in TRIGGER_BODY.splitlines())
)


def write_yaml(tables: list[Table], d: Path) -> None:
    if d.exists():
        shutil.rmtree(d)
    (d / "functions").mkdir(parents=True)
    (d / "functions" / "update_updated_at_column.yaml").write_text(FUNCTION_YAML)
    for t in tables:
        (d / f"{t.name}.yaml").write_text(render_yaml_table(t))


def write_sql(tables: list[Table], path_stem: Path, files: int) -> list[Path]:
    texts = render_sql(tables, files)
    for old in path_stem.parent.glob(f"{path_stem.name}*.sql"):
        old.unlink()
    if len(texts) == 1:
        paths = [path_stem.with_suffix(".sql")]
    else:
        paths = [path_stem.parent / f"{path_stem.name}_{k:03d}.sql" for k in range(len(texts))]
    for p, text in zip(paths, texts):
        p.write_text(text)
    return paths


# --------------------------------------------------------------------------------------
# Running and measuring.
# --------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float  # seconds
    rss_mb: float  # peak resident set size
    cpu: float  # user + system seconds (less sensitive than wall time to other load)
    code: int
    stdout: str = ""


def run_once(cmd: list[str], capture: bool = False) -> Run:
    """One process: wall time and peak RSS from wait4 (this child only); stdout discarded
    unless captured, stderr kept in a temporary file for the error message."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=err, cwd=ROOT)
        text = p.stdout.read().decode() if capture else ""  # type: ignore[union-attr]
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        p.returncode = code
        if p.stdout:
            p.stdout.close()
        if code not in (0, 2):
            err.seek(0)
            raise SystemExit(f"command failed ({code}): {' '.join(cmd)}\n{err.read().decode()[-3000:]}")
    return Run(wall, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime, code, text)


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss_mb for r in self.runs)


def measure(cmd: list[str], runs: int, budget: float, prepare=None, label: str = "") -> Measure:
    m = Measure()
    for k in range(runs):
        if prepare:
            prepare()
        r = run_once(cmd)
        m.runs.append(r)
        print(f"    {label:<12} run {k + 1}/{runs}: {r.wall:8.3f} s  {r.rss_mb:8.1f} MB", flush=True)
        if r.wall > budget and k + 1 < runs:
            m.note = f"{len(m.runs)} run(s): one run took {r.wall:.0f} s (> {budget:.0f} s budget)"
            break
    return m


def migra_hook(args, base: list[Path], edited: list[Path]) -> Measure | None:
    """Times `migra` on the same pair when migra, psql and --database-url are available.

    Loads src/verify/supabase_stub.sql plus base.sql into one scratch database and
    edited.sql into another (loading is not timed), then times `migra --unsafe A B`.
    """
    if not shutil.which("migra"):
        return None
    if not (args.database_url and shutil.which("psql")):
        return None
    stub = ROOT / "src" / "verify" / "supabase_stub.sql"
    url = args.database_url.rstrip("/")
    server, _, _ = url.rpartition("/")
    dbs = {"bench_migra_base": base, "bench_migra_edited": edited}
    for db, files in dbs.items():
        subprocess.run(["psql", url, "-qc", f"drop database if exists {db}"], check=True)
        subprocess.run(["psql", url, "-qc", f"create database {db}"], check=True)
        for f in [stub, *files]:
            subprocess.run(["psql", f"{server}/{db}", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(f)],
                           check=True, stdout=subprocess.DEVNULL)
    cmd = ["migra", "--unsafe", f"{server}/bench_migra_base", f"{server}/bench_migra_edited"]
    m = measure(cmd, args.runs_for, args.budget, label="migra")
    for db in dbs:
        subprocess.run(["psql", url, "-qc", f"drop database if exists {db}"], check=False)
    return m


def parse_floor_line(out: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in out.split())


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def bench_size(args, n: int) -> dict:
    wd = args.workdir / f"n{n}"
    wd.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = make_schema(n, args.seed)
    edited, stats = edit_schema(base, args.seed)
    base_sql = write_sql(base, wd / "base", args.sql_files)
    edited_sql = write_sql(edited, wd / "edited", args.sql_files)
    write_yaml(base, wd / "base_yaml")
    write_yaml(edited, wd / "edited_yaml")
    gen_s = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in base_sql) / 1e6
    print(f"n={n}: generated in {gen_s:.1f} s into {wd} (base SQL {size_mb:.1f} MB); edits: "
          + ", ".join(f"{k} {v}" for k, v in stats.items() if v), flush=True)
    res: dict = {"n": n, "base_sql_mb": size_mb, "edits": stats,
                 "yaml_files": len(base) + 1, "sql_files": len(base_sql), "load_before": os.getloadavg()[0]}
    if args.generate_only:
        return res

    exe = str(args.schemagen)
    floor_exe = str(args.parse_floor)
    sql_args = [a for p in base_sql for a in ("--sql", str(p))]
    edited_sql_args = [a for p in edited_sql for a in ("--sql", str(p))]

    if not args.no_verify:
        for yaml_dir, sargs in (("base_yaml", sql_args), ("edited_yaml", edited_sql_args)):
            r = run_once([exe, "diff", "--format", "summary", "--schema", str(wd / yaml_dir), *sargs],
                         capture=True)
            if r.code != 0:
                raise SystemExit(f"verify failed: {yaml_dir} and its SQL differ:\n{r.stdout[-3000:]}")
        print(f"    verified: base_yaml == base.sql, edited_yaml == edited.sql (diff exit 0)", flush=True)
    summary = run_once([exe, "diff", "--allow-destructive", "--format", "summary", "--schema", str(wd / "edited_yaml"), *sql_args],
                       capture=True)
    res["changes"] = summary.stdout.strip().splitlines()[-1] if summary.stdout.strip() else "?"
    print(f"    diff edited_yaml vs base.sql: {res['changes']}", flush=True)

    runs = args.runs if args.runs else (3 if n >= 10000 else 5)
    args.runs_for = runs
    floor_files = [str(p) for p in base_sql + edited_sql]
    tmp = Path(tempfile.mkdtemp(prefix="bench_import_", dir=args.workdir))
    out_dir = tmp / "out"

    def fresh_out():
        if out_dir.exists():
            shutil.rmtree(out_dir)

    # (key, command, prepare): measured round-robin, one run of each per round, so that a
    # change in the machine's load touches every column alike and the ratios stay fair.
    jobs = [
        ("floor", [floor_exe, "--mode", "parse", *floor_files], None),
        ("floor_stmts", [floor_exe, "--mode", "stmts", *floor_files], None),
        ("fprint", [floor_exe, "--mode", "fingerprint", *floor_files], None),
        ("import", [exe, "import", *map(str, base_sql), "--out", str(out_dir)], fresh_out),
        ("diff", [exe, "diff", "--allow-destructive", "--schema", str(wd / "edited_yaml"), *sql_args], None),
    ]
    measures = {key: Measure() for key, _, _ in jobs}
    for k in range(runs):
        for key, cmd, prepare in jobs:
            m = measures[key]
            if m.note:
                continue
            if prepare:
                prepare()
            r = run_once(cmd)
            m.runs.append(r)
            print(f"    round {k + 1}/{runs} {key:<12} {r.wall:8.3f} s wall {r.cpu:8.3f} s cpu {r.rss_mb:8.1f} MB",
                  flush=True)
            if r.wall > args.budget and k + 1 < runs:
                m.note = f"{len(m.runs)} run(s) only: one took {r.wall:.0f} s (> {args.budget:.0f} s budget)"
    shutil.rmtree(tmp, ignore_errors=True)
    res.update(measures)
    line = parse_floor_line(run_once([floor_exe, "--mode", "parse", *floor_files], capture=True).stdout)
    res["statements"] = int(line["statements"])
    res["walk_ms"] = float(line["walk_ms"])
    res["floor_inproc_ms"] = float(line["ms"])
    m = migra_hook(args, base_sql, edited_sql)
    res["migra"] = m
    res["load_after"] = os.getloadavg()[0]
    return res


def table_markdown(results: list[dict], migra_note: str) -> str:
    head = ("| N tables | base SQL | statements (base+edited) | floor: parse | floor: per stmt | fingerprint "
            "| import | diff | diff / floor | diff / fingerprint | migra |")
    sep = "|" + "---|" * 11
    rows = [head, sep]
    for r in results:
        if "diff" not in r:
            continue

        def cell(m: Measure) -> str:
            s = f"{fmt_s(m.wall)} s, {m.rss:.0f} MB"
            return s + (" ¹" if m.note else "")

        migra = cell(r["migra"]) if r.get("migra") else "—"
        rows.append(
            f"| {r['n']:,} | {r['base_sql_mb']:.1f} MB | {r['statements']:,} | {cell(r['floor'])} "
            f"| {cell(r['floor_stmts'])} | {cell(r['fprint'])} | {cell(r['import'])} | {cell(r['diff'])} "
            f"| {r['diff'].wall / r['floor'].wall:.1f}× | {r['diff'].wall / r['fprint'].wall:.1f}× | {migra} |"
        )
    notes = [f"- ¹ {r['n']:,} {k}: {r[k].note}" for r in results for k in
             ("floor", "floor_stmts", "fprint", "import", "diff") if k in r and r[k].note]
    by_n = {r["n"]: r for r in results if "diff" in r}
    ratios = []
    if 2000 in by_n:
        r = by_n[2000]
        ratios.append(f"- diff at 2,000 tables: {r['diff'].wall / r['floor'].wall:.1f}× the parse floor "
                      f"(whole files; {r['diff'].wall / r['floor_stmts'].wall:.1f}× the per-statement floor; "
                      f"target 1.2×), {r['diff'].rss:.0f} MB peak (target < 300 MB; the whole-file floor alone "
                      f"peaks at {r['floor'].rss:.0f} MB, the per-statement one at {r['floor_stmts'].rss:.0f} MB); "
                      f"{r['diff'].wall / r['fprint'].wall:.1f}× pg_query::fingerprint (warm target 1.5×)")
    if 2000 in by_n:
        r = by_n[2000]
        ratios.append(f"- the same by CPU time (user+sys, median): diff {fmt_s(r['diff'].cpu)} s = "
                      f"{r['diff'].cpu / r['floor'].cpu:.1f}× the whole-file floor, "
                      f"{r['diff'].cpu / r['floor_stmts'].cpu:.1f}× the per-statement floor, "
                      f"{r['diff'].cpu / r['fprint'].cpu:.1f}× fingerprint")
    if 1000 in by_n and 10000 in by_n:
        a, b = by_n[1000], by_n[10000]
        ratios.append(f"- diff 10,000 / 1,000 tables: {b['diff'].wall / a['diff'].wall:.1f}× (target ≤ 11×); "
                      f"import {b['import'].wall / a['import'].wall:.1f}×; "
                      f"parse floor {b['floor'].wall / a['floor'].wall:.1f}×; by CPU time: diff "
                      f"{b['diff'].cpu / a['diff'].cpu:.1f}×, import {b['import'].cpu / a['import'].cpu:.1f}×")
    load = ", ".join(f"{r['n']:,}: {r['load_before']:.1f} → {r['load_after']:.1f}" for r in by_n.values())
    return "\n".join(rows + [""] + ratios + notes + [f"- migra: {migra_note}",
                                                     f"- 1-minute load average before → after each size: {load}"]) + "\n"


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,2000,10000", help="comma-separated table counts")
    ap.add_argument("--runs", type=int, default=0, help="runs per measurement (default 5; 3 at N >= 10000)")
    ap.add_argument("--budget", type=float, default=180.0,
                    help="seconds: after a run longer than this, stop repeating that measurement")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--sql-files", type=int, default=1, help="split each schema's SQL into this many files")
    ap.add_argument("--workdir", type=Path, default=ROOT / "target" / "bench")
    ap.add_argument("--schemagen", type=Path, default=ROOT / "target" / "release" / "schemagen")
    ap.add_argument("--parse-floor", type=Path, default=ROOT / "target" / "release" / "examples" / "parse_floor")
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                    help="PostgreSQL server URL for the migra hook (scratch databases are created there)")
    ap.add_argument("--build", action="store_true", help="cargo build --release the binary and the example first")
    ap.add_argument("--generate-only", action="store_true", help="write the inputs, measure nothing")
    ap.add_argument("--no-verify", action="store_true", help="skip the YAML == SQL checks")
    ap.add_argument("--out", type=Path, help="markdown output (default WORKDIR/results.md)")
    args = ap.parse_args()
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    if args.build:
        subprocess.run(["cargo", "build", "--release", "--bin", "schemagen", "--example", "parse_floor"],
                       cwd=ROOT, check=True)
    if not args.generate_only:
        for exe in (args.schemagen, args.parse_floor):
            if not exe.exists():
                raise SystemExit(f"{exe} not found: cargo build --release --bin schemagen --example parse_floor")

    if not shutil.which("migra"):
        migra_note = "not installed (pip install migra; needs PostgreSQL): skipped"
    elif not (args.database_url and shutil.which("psql")):
        migra_note = "installed, but no --database-url / BENCH_DATABASE_URL (or psql): skipped"
    else:
        migra_note = "timed on the same pair (schemas loaded into scratch databases, load not timed)"

    print(f"machine: {machine()}", flush=True)
    results = [bench_size(args, n) for n in sizes]
    if args.generate_only:
        return
    md = table_markdown(results, migra_note)
    print()
    print(md)
    out = args.out or args.workdir / "results.md"
    out.write_text(f"Machine: {machine()}\n\n" + md)

    def plain(m):
        if isinstance(m, Measure):
            return {"median_s": m.wall, "median_cpu_s": m.cpu, "peak_rss_mb": m.rss,
                    "runs_s": [r.wall for r in m.runs], "runs_cpu_s": [r.cpu for r in m.runs], "note": m.note}
        return m
    (args.workdir / "results.json").write_text(
        json.dumps([{k: plain(v) for k, v in r.items()} for r in results], indent=2) + "\n")
    print(f"wrote {out} and {args.workdir / 'results.json'}")


if __name__ == "__main__":
    main()
