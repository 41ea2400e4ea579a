//! Declarative partitioning: the key a partitioned table is split by, and the bound of
//! each partition. A partition holds only what is its own: its columns, and the keys,
//! indexes and triggers PostgreSQL copies down from the parent, are the parent's, so
//! the model never states (or creates) them twice. A table that INHERITS holds its own
//! columns the same way; those of its parents are theirs.

use serde::Serialize;

use super::QualifiedName;

/// `PARTITION BY RANGE|LIST|HASH (…)` as the parser prints it, with the plain columns it
/// names. Only the loaders make one (`pgtree::partition_key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionKey {
    /// `RANGE (created_at)`: what follows PARTITION BY.
    text: String,
    /// The key's plain columns, in order (expressions aside).
    pub columns: Vec<String>,
    /// The key has an expression: a unique key cannot cover it.
    pub expressions: bool,
}

impl PartitionKey {
    pub fn parsed(text: String, columns: Vec<String>, expressions: bool) -> Self {
        PartitionKey { text, columns, expressions }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// `FOR VALUES …` or `DEFAULT`, as the parser prints it. Only the loaders make one
/// (`pgtree::partition_bound`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionBound {
    text: String,
}

impl PartitionBound {
    pub fn parsed(text: String) -> Self {
        PartitionBound { text }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_default(&self) -> bool {
        self.text == "DEFAULT"
    }

    /// What the YAML's `bound:` says: the words after FOR VALUES, or `default`.
    pub fn yaml(&self) -> &str {
        if self.is_default() { "default" } else { self.text.strip_prefix("FOR VALUES ").unwrap_or(&self.text) }
    }
}

/// The parent a partition belongs to and the rows it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    pub bound: PartitionBound,
}

impl super::Schema {
    /// The one table that holds all the columns of `name`: itself, or the table at the top of
    /// its partitions; none when it inherits columns from other tables too.
    pub fn columns_of(&self, name: &QualifiedName) -> Option<&super::Table> {
        let mut root = self.tables.get(name)?;
        while let Some(parent) = root.partition_of.as_ref().and_then(|o| self.tables.get(&o.parent)) {
            root = parent;
        }
        root.inherits.is_empty().then_some(root)
    }

    /// `name` as PostgreSQL shows it: a partition with the columns of the table at the top
    /// of its partitions, a table that inherits with its parents' columns before its own
    /// (what its expressions, policies, triggers and a view's `*` read).
    pub fn with_columns(&self, name: &QualifiedName) -> Option<std::borrow::Cow<'_, super::Table>> {
        let table = self.tables.get(name)?;
        let mut root = table;
        while let Some(parent) = root.partition_of.as_ref().and_then(|o| self.tables.get(&o.parent)) {
            root = parent;
        }
        if std::ptr::eq(root, table) && table.inherits.is_empty() {
            return Some(std::borrow::Cow::Borrowed(table));
        }
        let mut columns: Vec<super::Column> = Vec::new();
        let mut seen = std::collections::BTreeSet::from([name.clone()]);
        let add = |columns: &mut Vec<super::Column>, from: &[super::Column]| {
            for c in from {
                if !columns.iter().any(|have| have.name == c.name) {
                    columns.push(c.clone());
                }
            }
        };
        for parent in &root.inherits {
            if seen.insert(parent.clone())
                && let Some(p) = self.with_columns(parent)
            {
                add(&mut columns, &p.columns);
            }
        }
        add(&mut columns, &root.columns);
        Some(std::borrow::Cow::Owned(super::Table { columns, ..table.clone() }))
    }
}
