//! Lowering: spanned S-expressions to Core IR, one item at a time.
//!
//! Names resolve innermost first: local variables and loop labels, then the
//! module's own top-level definitions, then its imports (plain, then
//! qualified `module.name`), then the prelude, then primitives.
//! A name found nowhere becomes a reference to a global of this module that
//! is never defined, so using it at run time is "unbound variable" at the
//! use's location (as in Scheme, an unused reference is not an error).
//!
//! Malformed forms are reported (code, message, item-relative span) and
//! lowering goes on, so one run reports every error of an item.

mod body;
mod forms;
mod pattern;
mod quasi;

use crate::core::*;
use crate::db::Db;
use crate::items::{Item, ItemKey, ModuleEnv, defined_name, module_env};
use crate::modules::{ModuleScope, module_scope};
use fluent_syntax::{Datum, DatumKind, Span};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::primitives::{self, PrimId};
use std::collections::HashMap;
use std::sync::Arc;

/// A problem found while lowering an item; the span is item-relative.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemError {
    pub code: &'static str,
    pub message: String,
    pub span: Span,
}

/// The result of lowering an item: the Core, unless it had errors.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lowered {
    pub core: Option<Arc<CoreItem>>,
    pub errors: Vec<ItemError>,
}

/// Lowers one item to Core.
#[salsa::tracked(returns(ref))]
pub fn lower_item<'db>(db: &'db dyn Db, item: Item<'db>) -> Lowered {
    let file = item.file(db);
    let env = module_env(db, file);
    let imports = module_scope(db, file);
    let prelude = db.prelude();
    let prelude_env = (prelude != file).then(|| module_env(db, prelude));
    let mut l = Lowerer::new(env, imports, prelude_env);
    let syntax = item.syntax(db).clone();
    let kind = match item.key(db) {
        ItemKey::Define(name) => {
            let value = l.lower_top_define(&syntax);
            ItemKind::Define {
                name: GlobalName {
                    module: env.module.clone(),
                    name: name.clone(),
                },
                value,
            }
        }
        ItemKey::Form(_) => ItemKind::Expr(l.lower_toplevel_form(&syntax)),
    };
    let errors = std::mem::take(&mut l.errors);
    let core = errors.is_empty().then(|| {
        Arc::new(CoreItem {
            kind,
            vars: l.vars,
            span: syntax.span,
        })
    });
    Lowered { core, errors }
}

/// What a local name is bound to.
#[derive(Clone, Copy, Debug)]
enum Binding {
    Var(VarId),
    /// The name of a named `let` being lowered as a loop.
    Loop(LoopId),
}

struct LoopState {
    id: LoopId,
    /// How many variables the loop rebinds: a call with another count is
    /// not a `Recur` (it escapes, and fails at run time as a function
    /// call would).
    arity: usize,
    /// Set when the name is used other than as a tail call.
    escaped: bool,
}

/// What a global name refers to.
enum Resolved {
    Global(GlobalName),
    Prim(PrimId),
    /// Defined nowhere: a global of this module that stays undefined.
    Unbound(GlobalName),
    /// `q.x` where the imported module `q` does not export `x`.
    NotExported(Arc<str>),
}

pub(crate) struct Lowerer<'a> {
    env: &'a ModuleEnv,
    imports: &'a ModuleScope,
    prelude: Option<&'a ModuleEnv>,
    vars: Vec<VarInfo>,
    /// Local bindings, innermost last.
    scope: Scope,
    loops: Vec<LoopState>,
    next_loop: u32,
    errors: Vec<ItemError>,
    /// How deeply the Core built so far nests here (see [`MAX_NESTING`]).
    depth: usize,
    /// Set once the item was reported as nesting too deeply.
    too_deep: bool,
}

/// How deeply the Core of one item may nest. The reader caps the nesting
/// of source; forms that lower to chains (`and`, `or`, `cond`, `case`,
/// `let*`, quasiquoted lists, list patterns) nest one level per element
/// on top of it, and every later pass walks Core recursively. Past this,
/// the item is an error rather than a host stack overflow (the CLI runs
/// the compiler on a 512 MiB stack).
pub const MAX_NESTING: usize = 50_000;

/// Local bindings, innermost last, indexed by name: a body can bind
/// thousands of names, and every reference looks one up.
#[derive(Default)]
struct Scope {
    entries: Vec<(Arc<str>, Binding)>,
    /// The positions in `entries` that bind each name, innermost last.
    by_name: HashMap<Arc<str>, Vec<usize>>,
}

impl Scope {
    fn push(&mut self, (name, b): (Arc<str>, Binding)) {
        self.by_name
            .entry(name.clone())
            .or_default()
            .push(self.entries.len());
        self.entries.push((name, b));
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drops the bindings made since the scope had `len` entries.
    fn truncate(&mut self, len: usize) {
        while self.entries.len() > len {
            let (name, _) = self.entries.pop().expect("an entry");
            if let Some(at) = self.by_name.get_mut(&name) {
                at.pop();
                if at.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        let &i = self.by_name.get(name)?.last()?;
        Some(self.entries[i].1)
    }
}

/// Forms with their own lowering, unless a local binding shadows them.
pub const SPECIAL_FORMS: &[&str] = &[
    "quote",
    "quasiquote",
    "unquote",
    "unquote-splicing",
    "lambda",
    "define",
    "set!",
    "if",
    "cond",
    "case",
    "when",
    "unless",
    "and",
    "or",
    "begin",
    "let",
    "let*",
    "letrec",
    "letrec*",
    "do",
    "match",
    "try",
    "catch",
    "module",
    "import",
    "export",
    "declare",
    "effect",
    "handler",
    "time",
    "with-jit-threshold",
];

impl<'a> Lowerer<'a> {
    fn new(env: &'a ModuleEnv, imports: &'a ModuleScope, prelude: Option<&'a ModuleEnv>) -> Self {
        Lowerer {
            env,
            imports,
            prelude,
            vars: vec![],
            scope: Scope::default(),
            loops: vec![],
            next_loop: 0,
            errors: vec![],
            depth: 0,
            too_deep: false,
        }
    }

    /// Goes `levels` deeper into the Core being built; false (having
    /// reported it, once per item) when that is past [`MAX_NESTING`].
    /// The caller restores `depth` when it is done at that level.
    fn deeper(&mut self, levels: usize, span: Span) -> bool {
        self.depth += levels;
        if self.depth <= MAX_NESTING {
            return true;
        }
        if !self.too_deep {
            self.too_deep = true;
            self.error(
                "E0302",
                span,
                format!(
                    "this expression nests too deeply to compile (more than {MAX_NESTING} levels; \
                     each clause of `and`, `or`, `cond` and `case`, each binding of `let*` and \
                     each element of a quasiquoted list or list pattern is one level)"
                ),
            );
        }
        false
    }

    /// `f`, run `levels` deeper; `None` if that is too deep.
    fn nested<T>(
        &mut self,
        levels: usize,
        span: Span,
        f: impl FnOnce(&mut Self) -> T,
    ) -> Option<T> {
        let r = self.deeper(levels, span).then(|| f(self));
        self.depth -= levels;
        r
    }

    fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) -> Expr {
        self.errors.push(ItemError {
            code,
            message: message.into(),
            span,
        });
        Expr::unspecified(span)
    }

    /// "malformed `if`: expected (if test then [else])".
    fn malformed(&mut self, form: &str, usage: &str, span: Span) -> Expr {
        self.error(
            "E0101",
            span,
            format!("malformed `{form}`: expected {usage}"),
        )
    }

    fn new_var(&mut self, name: &Arc<str>, span: Span) -> VarId {
        let v = VarId(self.vars.len() as u32);
        self.vars.push(VarInfo {
            name: name.clone(),
            span,
        });
        v
    }

    /// Binds `name` to a fresh variable in the current scope.
    fn bind(&mut self, name: &Arc<str>, span: Span) -> VarId {
        let v = self.new_var(name, span);
        self.scope.push((name.clone(), Binding::Var(v)));
        v
    }

    fn lookup_local(&self, name: &str) -> Option<Binding> {
        self.scope.lookup(name)
    }

    fn resolve_global(&self, name: &Arc<str>) -> Resolved {
        if self.env.defined.contains(name) {
            return Resolved::Global(GlobalName {
                module: self.env.module.clone(),
                name: name.clone(),
            });
        }
        if let Some(g) = self.imports.names.get(name) {
            return Resolved::Global(g.clone());
        }
        match self.imports.qualified(name) {
            Ok(Some(g)) => return Resolved::Global(g),
            Ok(None) => {}
            Err(q) => return Resolved::NotExported(q),
        }
        if let Some(p) = self.prelude.filter(|p| p.defined.contains(name)) {
            return Resolved::Global(GlobalName {
                module: p.module.clone(),
                name: name.clone(),
            });
        }
        if let Some(id) = primitives::lookup(name) {
            return Resolved::Prim(id);
        }
        Resolved::Unbound(GlobalName {
            module: self.env.module.clone(),
            name: name.clone(),
        })
    }

    /// Whether `(name ...)` is a special form here.
    fn is_special(&self, name: &str) -> bool {
        SPECIAL_FORMS.contains(&name)
            && self.lookup_local(name).is_none()
            && !self.env.defined.contains(name)
    }

    /// Marks the loop `id` as used other than as a tail call.
    fn escape(&mut self, id: LoopId) {
        if let Some(l) = self.loops.iter_mut().find(|l| l.id == id) {
            l.escaped = true;
        }
    }

    /// `tl` counts the innermost loops for which this position is a tail
    /// position (0: none); a call of a loop's name is a `Recur` only there.
    pub(crate) fn lower_expr(&mut self, d: &Datum, tl: usize) -> Expr {
        self.nested(1, d.span, |l| l.lower_datum(d, tl))
            .unwrap_or_else(|| Expr::unspecified(d.span))
    }

    fn lower_datum(&mut self, d: &Datum, tl: usize) -> Expr {
        let span = d.span;
        match &d.kind {
            DatumKind::Int(i) => Expr::lit(Lit::Int(*i), span),
            DatumKind::Float(x) => Expr::lit(Lit::Float(*x), span),
            DatumKind::Str(s) => Expr::lit(Lit::Str(s.clone()), span),
            DatumKind::Char(c) => Expr::lit(Lit::Char(*c), span),
            DatumKind::Bool(b) => Expr::lit(Lit::Bool(*b), span),
            DatumKind::Keyword(k) => Expr::lit(Lit::Keyword(k.clone()), span),
            DatumKind::Vector(_) => Expr::lit(Lit::Quote(Arc::new(d.clone())), span),
            DatumKind::Symbol(s) => self.lower_ref(s, span),
            DatumKind::List(xs) if xs.is_empty() => Expr::lit(Lit::Nil, span),
            DatumKind::List(xs) => self.lower_list(d, xs, tl),
            DatumKind::Bracket(xs) => {
                let args = xs.iter().map(|x| self.lower_expr(x, 0)).collect();
                let list = primitives::lookup("list").expect("list primitive");
                Expr::new(ExprKind::PrimCall(list, args), span)
            }
            DatumKind::Dotted(..) => {
                self.error("E0102", span, "a dotted list is not an expression")
            }
        }
    }

    fn lower_ref(&mut self, name: &Arc<str>, span: Span) -> Expr {
        match self.lookup_local(name) {
            Some(Binding::Var(v)) => Expr::new(ExprKind::Local(v), span),
            Some(Binding::Loop(id)) => {
                self.escape(id);
                Expr::unspecified(span)
            }
            None => match self.resolve_global(name) {
                Resolved::Global(g) | Resolved::Unbound(g) => Expr::new(ExprKind::Global(g), span),
                Resolved::Prim(p) => Expr::new(ExprKind::Prim(p), span),
                Resolved::NotExported(q) => self.not_exported(&q, name, span),
            },
        }
    }

    /// `d` is the list form whose elements are `xs`.
    fn lower_list(&mut self, d: &Datum, xs: &[Datum], tl: usize) -> Expr {
        let span = d.span;
        let head = &xs[0];
        if let Some(name) = head.as_symbol() {
            if self.is_special(name) {
                return self.lower_special(name, d, xs, tl);
            }
            let args = &xs[1..];
            match self.lookup_local(name) {
                Some(Binding::Loop(id)) => {
                    let depth = self
                        .loops
                        .iter()
                        .rev()
                        .position(|l| l.id == id && l.arity == args.len());
                    let args = args.iter().map(|x| self.lower_expr(x, 0)).collect();
                    if depth.is_some_and(|d| d < tl) {
                        return Expr::new(ExprKind::Recur(id, args), span);
                    }
                    self.escape(id);
                    return Expr::unspecified(span);
                }
                Some(Binding::Var(_)) => {}
                None => {
                    let name: Arc<str> = name.into();
                    match self.resolve_global(&name) {
                        Resolved::Prim(p) => {
                            let args = args.iter().map(|x| self.lower_expr(x, 0)).collect();
                            return Expr::new(ExprKind::PrimCall(p, args), span);
                        }
                        Resolved::Unbound(_) if name.starts_with(|c: char| c.is_uppercase()) => {
                            let args = args.iter().map(|x| self.lower_expr(x, 0)).collect();
                            return Expr::new(ExprKind::Tagged(name, args), span);
                        }
                        _ => {}
                    }
                }
            }
        }
        let f = self.lower_expr(head, 0);
        let args = xs[1..].iter().map(|x| self.lower_expr(x, 0)).collect();
        Expr::new(ExprKind::Call(Box::new(f), args), span)
    }

    /// `(declare (pure f ...))` and `(declare (effects f kind ...))`: the
    /// shape, the names (defined in this module) and the kinds are checked
    /// here; whether inference agrees is checked over the whole program
    /// (`fluent_effects::declare`).
    fn lower_declare(&mut self, decls: &[Datum], span: Span) -> Expr {
        const SHAPE: &str = "(declare (pure f ...)) or (declare (effects f kind ...))";
        if decls.is_empty() {
            return self.malformed("declare", SHAPE, span);
        }
        for decl in decls {
            let Some([head, rest @ ..]) = decl.as_list() else {
                return self.malformed("declare", SHAPE, decl.span);
            };
            let (names, kinds) = match head.as_symbol() {
                Some("pure") => (rest, &[][..]),
                Some("effects") if !rest.is_empty() => (&rest[..1], &rest[1..]),
                _ => return self.malformed("declare", SHAPE, decl.span),
            };
            for n in names {
                match n.as_symbol() {
                    Some(name) if self.env.defined.contains(name) => {}
                    Some(name) => {
                        self.error(
                            "E0193",
                            n.span,
                            format!("`{name}` is declared but not defined in this module"),
                        );
                    }
                    None => {
                        self.malformed("declare", SHAPE, n.span);
                    }
                }
            }
            for k in kinds {
                if k.as_symbol()
                    .and_then(fluent_vm::effect::EffectKind::from_name)
                    .is_none()
                {
                    self.error(
                        "E0192",
                        k.span,
                        "an effect kind is one of io state error time random network async",
                    );
                }
            }
        }
        Expr::unspecified(span)
    }

    fn not_exported(&mut self, q: &str, name: &str, span: Span) -> Expr {
        let x = &name[q.len() + 1..];
        self.error("E0405", span, format!("module `{q}` does not export `{x}`"))
    }

    /// A top-level form that is not a `define`.
    fn lower_toplevel_form(&mut self, d: &Datum) -> Expr {
        if let Some(xs) = d.as_list()
            && let Some(head) = xs.first().and_then(Datum::as_symbol)
            && self.is_special(head)
        {
            match head {
                // A malformed module form, reported with the module's header.
                "module" => return Expr::unspecified(d.span),
                "declare" => return self.lower_declare(&xs[1..], d.span),
                _ => {}
            }
        }
        self.lower_expr(d, 0)
    }

    /// The value of a top-level `(define ...)`.
    fn lower_top_define(&mut self, d: &Datum) -> Expr {
        match self.parse_define(d) {
            Some((name, _, value)) => self.lower_define_value(&name, value),
            None => Expr::unspecified(d.span),
        }
    }
}

/// Whether a body form is a definition (for internal defines).
fn is_define(d: &Datum) -> bool {
    d.is_form("define") && defined_name(d).is_some()
}

#[cfg(test)]
mod tests;
