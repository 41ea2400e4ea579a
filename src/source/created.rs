//! Which object a CREATE statement of a migration made, so that the loader can record where
//! it was declared: a report about losing it, or a cycle through it, then names the line.

use pg_query::NodeEnum;
use pg_query::protobuf::{FunctionParameterMode, ObjectType};

use crate::model::{ObjectId, Routine};
use crate::pgtree::{data_type, strings};
use crate::source::ddl::qualified;
use crate::source::routines::qualified_names;

/// The object `stmt` created, named as the model keys it; read right after it was applied,
/// under the same search path.
pub fn created(stmt: &NodeEnum) -> Option<ObjectId> {
    Some(match stmt {
        NodeEnum::CreateStmt(s) => ObjectId::Table(qualified(s.relation.as_ref()?)),
        NodeEnum::ViewStmt(s) => ObjectId::View { name: qualified(s.view.as_ref()?), materialized: false },
        NodeEnum::CreateTableAsStmt(s) if s.objtype == ObjectType::ObjectMatview as i32 => {
            ObjectId::View { name: qualified(s.into.as_ref()?.rel.as_ref()?), materialized: true }
        }
        NodeEnum::CreateEnumStmt(s) => ObjectId::Type(qualified_names(&strings(&s.type_name))),
        NodeEnum::CreateDomainStmt(s) => ObjectId::Domain(qualified_names(&strings(&s.domainname))),
        NodeEnum::CreateSeqStmt(s) => ObjectId::Sequence(qualified(s.sequence.as_ref()?)),
        NodeEnum::CreateSchemaStmt(s) if !s.schemaname.is_empty() => ObjectId::Schema(s.schemaname.clone()),
        NodeEnum::CreateExtensionStmt(s) => ObjectId::Extension(s.extname.clone()),
        NodeEnum::CreateFunctionStmt(s) => {
            // The input types, as `Function::routine` keeps them: OUT and TABLE columns are results.
            let input_types = s
                .parameters
                .iter()
                .filter_map(|p| match p.node.as_ref()? {
                    NodeEnum::FunctionParameter(p) => Some(p),
                    _ => None,
                })
                .filter(|p| {
                    !matches!(
                        FunctionParameterMode::try_from(p.mode),
                        Ok(FunctionParameterMode::FuncParamOut | FunctionParameterMode::FuncParamTable)
                    )
                })
                .map(|p| p.arg_type.as_ref().map(|t| data_type(t).sql()).unwrap_or_default())
                .collect();
            let name = qualified_names(&strings(&s.funcname));
            ObjectId::Function(Routine { name, procedure: s.is_procedure, input_types })
        }
        _ => return None,
    })
}
