//! The front half of the Fluent compiler: the salsa database interface and
//! inputs, items, Core IR, and lowering from syntax to Core.

pub mod core;
pub mod db;
pub mod items;
pub mod lower;
pub mod modules;
pub mod pretty;

pub use db::{BuildOptions, DEFAULT_OPT_LEVEL, Db, Diagnostic, MemoryDb, Severity, SourceFile};
pub use items::{Item, ItemKey, file_items, module_env, parse_file};
pub use lower::{ItemError, Lowered, MAX_NESTING, SPECIAL_FORMS, lower_item};
pub use modules::{ImportTarget, ModuleHeader, exports, module_header, module_scope};
