//! Declarative partitioning replayed as PostgreSQL runs it: `PARTITION BY`, `PARTITION OF
//! … FOR VALUES | DEFAULT`, `ATTACH` and `DETACH PARTITION`, and what PostgreSQL refuses
//! of them. A partition holds only what is its own (see `model::partition`).

use pg_query::protobuf::{self, PartitionStrategy};
use pg_query::{Node, NodeEnum};

use super::ddl::{Outcome, existing};
use crate::model::naming::{choose_name, join_columns};
use crate::model::{ConstraintKind, PartitionBound, PartitionKey, PartitionOf, QualifiedName, Schema, Table};
use crate::pgtree::str_of;

/// `PARTITION BY …` as the parser prints it.
pub fn key(spec: &protobuf::PartitionSpec) -> PartitionKey {
    let stmt = protobuf::CreateStmt {
        relation: Some(relation("x")),
        partspec: Some(spec.clone()),
        oncommit: protobuf::OnCommitAction::OncommitNoop as i32,
        ..Default::default()
    };
    let text = NodeEnum::CreateStmt(stmt).deparse(Default::default()).unwrap_or_default();
    let text = text.split_once(" PARTITION BY ").map_or(text.as_str(), |(_, key)| key).to_string();
    let mut columns = Vec::new();
    let mut expressions = false;
    for elem in &spec.part_params {
        let Some(NodeEnum::PartitionElem(e)) = elem.node.as_ref() else { continue };
        match e.expr.as_deref().and_then(|x| x.node.as_ref()) {
            None => columns.push(e.name.clone()),
            Some(NodeEnum::ColumnRef(c)) if c.fields.len() == 1 => {
                columns.extend(c.fields.first().and_then(str_of).map(str::to_string))
            }
            Some(_) => expressions = true,
        }
    }
    PartitionKey::parsed(text, columns, expressions)
}

/// `FOR VALUES …` or `DEFAULT` as the parser prints it.
pub fn bound(spec: &protobuf::PartitionBoundSpec) -> PartitionBound {
    let stmt = protobuf::CreateStmt {
        relation: Some(relation("x")),
        inh_relations: vec![Node { node: Some(NodeEnum::RangeVar(relation("p"))) }],
        partbound: Some(spec.clone()),
        oncommit: protobuf::OnCommitAction::OncommitNoop as i32,
        ..Default::default()
    };
    let text = NodeEnum::CreateStmt(stmt).deparse(Default::default()).unwrap_or_default();
    let text = text.split_once(" PARTITION OF p ").map_or(text.as_str(), |(_, b)| b).trim().to_string();
    PartitionBound::parsed(text)
}

fn relation(name: &str) -> protobuf::RangeVar {
    protobuf::RangeVar { relname: name.into(), inh: true, relpersistence: "p".into(), ..Default::default() }
}

/// The strategy letter of a bound (`r`, `l`, `h`; empty for DEFAULT) as that of a key.
fn strategy_of(spec: &protobuf::PartitionBoundSpec) -> Option<PartitionStrategy> {
    match spec.strategy.as_str() {
        "r" => Some(PartitionStrategy::Range),
        "l" => Some(PartitionStrategy::List),
        "h" => Some(PartitionStrategy::Hash),
        _ => None,
    }
}

fn key_strategy(key: &PartitionKey) -> Option<PartitionStrategy> {
    let word = key.text().split_whitespace().next().unwrap_or_default().to_uppercase();
    match word.as_str() {
        "RANGE" => Some(PartitionStrategy::Range),
        "LIST" => Some(PartitionStrategy::List),
        "HASH" => Some(PartitionStrategy::Hash),
        _ => None,
    }
}

/// Whether `table` may become a partition of `parent` with `spec`, as PostgreSQL judges it
/// before it looks at the rows: the parent is partitioned, the bound is of its strategy,
/// a hash-partitioned table has no default, and no other partition has the same bound
/// (an equal bound, or a second DEFAULT: overlapping ranges need the key's types, which
/// the model does not check).
pub fn check_bound(
    schema: &Schema,
    parent: &QualifiedName,
    table: &QualifiedName,
    spec: &protobuf::PartitionBoundSpec,
) -> Option<Outcome> {
    let Some(p) = schema.tables.get(parent) else {
        return Some(Outcome::Unresolved(format!("a partition of {parent}, which the model does not hold")));
    };
    let Some(key) = &p.partition_by else {
        return Some(Outcome::Rejected {
            message: format!("table {parent} is not partitioned, so {table} cannot be a partition of it"),
            hint: "declare the parent with PARTITION BY (YAML `partition_by:`), or make this a table of its own",
        });
    };
    let strategy = key_strategy(key);
    if spec.is_default && strategy == Some(PartitionStrategy::Hash) {
        return Some(Outcome::Rejected {
            message: format!("a hash-partitioned table ({parent}) may not have a default partition"),
            hint: "give the partition a bound: FOR VALUES WITH (MODULUS m, REMAINDER r)",
        });
    }
    if !spec.is_default && strategy_of(spec) != strategy {
        return Some(Outcome::Rejected {
            message: format!("the bound of {table} is not of the strategy {parent} is partitioned by ({})", key.text()),
            hint: "RANGE takes FROM (…) TO (…), LIST takes IN (…), HASH takes WITH (MODULUS m, REMAINDER r)",
        });
    }
    let new = bound(spec);
    let clash = schema
        .tables
        .values()
        .find(|t| &t.name != table && t.partition_of.as_ref().is_some_and(|o| &o.parent == parent && o.bound == new));
    clash.map(|other| Outcome::Rejected {
        message: if new.is_default() {
            format!("{parent} already has a default partition, {}", other.name)
        } else {
            format!("partition {table} would overlap partition {}: both are {}", other.name, new.text())
        },
        hint: "PostgreSQL refuses partitions whose rows would overlap: change the bound, or drop the other partition",
    })
}

/// PostgreSQL's rule for a primary key or unique constraint on a partitioned table: it
/// must include every column of the partition key, and the key may hold no expression.
pub fn check_keys(table: &Table) -> Option<Outcome> {
    let key = table.partition_by.as_ref()?;
    let uncovered = |columns: &[String]| key.expressions || key.columns.iter().any(|k| !columns.contains(k));
    let constraint = table.constraints.iter().find(|c| c.kind.has_index() && uncovered(c.kind.columns()));
    let index = table
        .indexes
        .iter()
        .find(|i| i.unique && uncovered(&i.keys.iter().filter_map(|k| k.column.clone()).collect::<Vec<_>>()));
    let what = match (constraint, index) {
        (Some(c), _) if matches!(c.kind, ConstraintKind::PrimaryKey { .. }) => format!("primary key {}", c.name),
        (Some(c), _) => format!("unique constraint {}", c.name),
        (None, Some(i)) => format!("unique index {}", i.name),
        (None, None) => return None,
    };
    Some(Outcome::Rejected {
        message: format!(
            "the {what} of partitioned table {} does not include every column of its partition key ({})",
            table.name,
            key.text()
        ),
        hint: "PostgreSQL checks uniqueness per partition: add the partition key's columns to the key",
    })
}

/// `ALTER TABLE parent ATTACH PARTITION table FOR VALUES …`: the table's columns become the
/// parent's, and its keys and indexes that match the parent's become theirs.
pub fn attach(schema: &mut Schema, parent: &QualifiedName, cmd: &protobuf::PartitionCmd) -> Outcome {
    let (Some(rv), Some(spec)) = (cmd.name.as_ref(), cmd.bound.as_ref()) else {
        return Outcome::Skipped("ATTACH PARTITION");
    };
    let name = existing(schema, rv);
    if !schema.tables.contains_key(&name) {
        return Outcome::Unresolved(format!("ATTACH PARTITION {name}, which the model does not hold"));
    }
    if let Some(refused) = check_bound(schema, parent, &name, spec) {
        return refused;
    }
    if &name == parent || dropped_with(schema, &name, true).is_ok_and(|below| below.contains(parent)) {
        return Outcome::Rejected {
            message: format!("{name} would become a partition of itself through {parent}"),
            hint: "PostgreSQL refuses circular partitioning",
        };
    }
    let parent_table = schema.tables[parent].clone();
    let table = schema.tables.get_mut(&name).expect("checked above");
    if table.partition_of.is_some() {
        return Outcome::Rejected {
            message: format!("{name} is already a partition"),
            hint: "detach it first (DETACH PARTITION)",
        };
    }
    table.columns.clear();
    table.column_grants.clear();
    table.constraints.retain(|c| match &c.kind {
        ConstraintKind::Check { .. } => !parent_table.constraints.iter().any(|p| p.name == c.name),
        _ => !parent_table.constraints.iter().any(|p| p.same_definition(c)),
    });
    table.indexes.retain(|i| !parent_table.indexes.iter().any(|p| p.same_definition(i)));
    table.partition_of = Some(PartitionOf { parent: parent.clone(), bound: bound(spec) });
    Outcome::Applied
}

/// `ALTER TABLE parent DETACH PARTITION table`: the table keeps what it had from the parent
/// as its own, under the names PostgreSQL gave it (keys and indexes named after the table,
/// foreign keys and checks as on the parent).
pub fn detach(schema: &mut Schema, parent: &QualifiedName, cmd: &protobuf::PartitionCmd) -> Outcome {
    let Some(rv) = cmd.name.as_ref() else {
        return Outcome::Skipped("DETACH PARTITION");
    };
    let name = existing(schema, rv);
    let is_partition =
        schema.tables.get(&name).and_then(|t| t.partition_of.as_ref()).is_some_and(|o| &o.parent == parent);
    if !is_partition {
        return Outcome::Rejected {
            message: format!("{name} is not a partition of {parent}"),
            hint: "a statement before this one detaches or drops it, or it was never attached",
        };
    }
    let mut inherited = Table::new(name.clone());
    let mut from = Some(parent.clone());
    // A partition of a partition has its columns from the root.
    while let Some(p) = from.take().and_then(|p| schema.tables.get(&p)) {
        if inherited.columns.is_empty() {
            inherited.columns = p.columns.clone();
        }
        inherited.constraints.extend(p.constraints.iter().cloned());
        inherited.indexes.extend(p.indexes.iter().cloned());
        from = p.partition_of.as_ref().map(|o| o.parent.clone());
    }
    let table = schema.tables.get_mut(&name).expect("checked above");
    table.partition_of = None;
    table.columns = inherited.columns;
    for c in &mut table.columns {
        c.comment = None;
        // The identity is the partitioned table's; a partition has none of its own (up to
        // PostgreSQL 16), and keeps the NOT NULL.
        c.identity = None;
        c.identity_options.clear();
    }
    let relname = name.name.clone();
    for mut c in inherited.constraints {
        let taken = |n: &str| table.relation_names().any(|r| r == n);
        c.comment = None;
        c.name = match &c.kind {
            ConstraintKind::PrimaryKey { .. } => choose_name(&relname, None, "pkey", taken),
            ConstraintKind::Unique { columns, .. } => choose_name(&relname, Some(&join_columns(columns)), "key", taken),
            _ => c.name,
        };
        if table.constraint(&c.name).is_none() {
            table.constraints.push(c);
        }
    }
    for mut i in inherited.indexes {
        let taken = |n: &str| table.relation_names().any(|r| r == n);
        let columns: Vec<String> = i.keys.iter().map(|k| k.column.clone().unwrap_or_else(|| "expr".into())).collect();
        i.name = choose_name(&relname, Some(&join_columns(&columns)), "idx", taken);
        i.comment = None;
        table.indexes.push(i);
    }
    Outcome::Applied
}

/// What DROP TABLE of `parent` takes along: its partitions, all the way down, and with
/// CASCADE the tables that inherit from it, which PostgreSQL refuses to drop without.
pub fn dropped_with(schema: &Schema, parent: &QualifiedName, cascade: bool) -> Result<Vec<QualifiedName>, Outcome> {
    let mut out: Vec<QualifiedName> = Vec::new();
    let mut next = vec![parent.clone()];
    while let Some(p) = next.pop() {
        for t in schema.tables.values() {
            let partition = t.partition_of.as_ref().is_some_and(|o| o.parent == p);
            if !(partition || t.inherits.contains(&p)) || out.contains(&t.name) {
                continue;
            }
            if !partition && !cascade {
                return Err(Outcome::Rejected {
                    message: format!("cannot drop table {parent}: table {} inherits from it", t.name),
                    hint: "PostgreSQL refuses: drop the tables that inherit from it first, or write DROP TABLE … CASCADE",
                });
            }
            out.push(t.name.clone());
            next.push(t.name.clone());
        }
    }
    Ok(out)
}

/// The parents of `CREATE TABLE name (…) INHERITS (…)`, each a table of the model that is
/// not partitioned (PostgreSQL refuses to inherit from one).
pub fn inherits(schema: &Schema, name: &QualifiedName, parents: &[Node]) -> Result<Vec<QualifiedName>, Outcome> {
    let mut out = Vec::new();
    for parent in parents {
        let Some(NodeEnum::RangeVar(rv)) = parent.node.as_ref() else { continue };
        let parent = existing(schema, rv);
        check_parent(schema, name, &parent)?;
        out.push(parent);
    }
    Ok(out)
}

fn check_parent(schema: &Schema, name: &QualifiedName, parent: &QualifiedName) -> Result<(), Outcome> {
    let Some(p) = schema.tables.get(parent) else {
        return Err(Outcome::Unresolved(format!("{name} INHERITS {parent}, which the model does not hold")));
    };
    if p.partition_by.is_some() {
        return Err(Outcome::Rejected {
            message: format!("{name} cannot inherit from partitioned table {parent}"),
            hint: "make it a partition (PARTITION OF, YAML `partition_of:`) instead",
        });
    }
    if p.partition_of.is_some() {
        return Err(Outcome::Rejected {
            message: format!("{name} cannot inherit from {parent}, a partition"),
            hint: "inherit from a table that is not a partition",
        });
    }
    if parent == name || dropped_with(schema, name, true).is_ok_and(|below| below.contains(parent)) {
        return Err(Outcome::Rejected {
            message: format!("{name} would inherit from itself through {parent}"),
            hint: "PostgreSQL refuses circular inheritance",
        });
    }
    Ok(())
}

/// `ALTER TABLE name INHERIT parent` (its columns must be there: they stay its own) or
/// `NO INHERIT parent` (the columns it had from the parent alone become its own).
pub fn alter_inherit(schema: &mut Schema, name: &QualifiedName, parent: &protobuf::RangeVar, add: bool) -> Outcome {
    let parent = existing(schema, parent);
    if add {
        if let Err(refused) = check_parent(schema, name, &parent) {
            return refused;
        }
        // PostgreSQL matches the parent's columns and checks against the table's own.
        let (p, table) = (schema.with_columns(&parent).expect("checked above"), &schema.tables[name]);
        let missing = p.columns.iter().map(|c| ("column", &c.name)).chain(
            p.constraints
                .iter()
                .filter(|c| matches!(c.kind, ConstraintKind::Check { no_inherit: false, .. }))
                .map(|c| ("constraint", &c.name)),
        );
        let missing = missing.clone().find(|(kind, n)| match *kind {
            "column" => table.column(n).is_none(),
            _ => table.constraint(n).is_none(),
        });
        if let Some((kind, n)) = missing {
            return Outcome::Rejected {
                message: format!("{name} is missing {kind} {n} of {parent}, which it would inherit"),
                hint: "PostgreSQL refuses INHERIT until the table has every column and CHECK of the parent, by name",
            };
        }
        let table = schema.tables.get_mut(name).expect("caller checked");
        if !table.inherits.contains(&parent) {
            table.inherits.push(parent);
        }
        return Outcome::Applied;
    }
    if !schema.tables[name].inherits.contains(&parent) {
        return Outcome::Rejected {
            message: format!("{parent} is not a parent of {name}"),
            hint: "a statement before this one removes it, or the table never inherited from it",
        };
    }
    let inherited = schema.with_columns(&parent).map(|p| p.into_owned()).expect("checked above");
    let table = schema.tables.get_mut(name).expect("caller checked");
    table.inherits.retain(|p| p != &parent);
    for mut c in inherited.columns {
        if table.column(&c.name).is_none() {
            c.comment = None;
            table.columns.push(c);
        }
    }
    let checks =
        inherited.constraints.into_iter().filter(|c| matches!(c.kind, ConstraintKind::Check { no_inherit: false, .. }));
    for mut c in checks {
        if table.constraint(&c.name).is_none() {
            c.comment = None;
            table.constraints.push(c);
        }
    }
    Outcome::Applied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(sql: &str) -> protobuf::CreateStmt {
        let parsed = pg_query::parse(sql, 0).unwrap();
        match parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap() {
            NodeEnum::CreateStmt(c) => c.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn keys_and_bounds_read_as_the_parser_prints_them_whatever_the_spelling() {
        let a = create("create table t (a date, b int) partition by range (a, (b+1))");
        let k = key(a.partspec.as_ref().unwrap());
        assert_eq!(k.text(), "RANGE (a, (b + 1))");
        assert_eq!(k.columns, vec!["a".to_string()]);
        assert!(k.expressions);
        let p = create("create table p partition of t for values from ('2024-01-01') to (MAXVALUE)");
        let b = bound(p.partbound.as_ref().unwrap());
        let q = create("CREATE TABLE p PARTITION OF t FOR VALUES FROM ( '2024-01-01' ) TO ( maxvalue )");
        assert_eq!(bound(q.partbound.as_ref().unwrap()), b);
        assert!(b.text().starts_with("FOR VALUES FROM ('2024-01-01') TO ("), "{}", b.text());
        let d = create("create table d partition of t default");
        assert!(bound(d.partbound.as_ref().unwrap()).is_default());
    }
}
