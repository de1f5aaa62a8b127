//! Persistent hash maps (`im::HashMap`), keyed by `equal?`.
//!
//! Maps are values: `map-set` and `map-remove` return a new map and leave
//! the old one as it was. `im` shares structure between the two, so an
//! update costs O(log n), not a copy. Key order is unspecified.

use super::{Fault, args};
use crate::equal::MapKey;
use crate::runtime::Runtime;
use crate::value::Value;

/// `(hash-map k v ...)`; a later duplicate key wins.
pub fn hash_map(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if !a.len().is_multiple_of(2) {
        return Err(Fault::Msg(format!(
            "hash-map: expected keys and values in pairs, got {} arguments",
            a.len()
        )));
    }
    let map = a.chunks_exact(2).map(|kv| (MapKey(kv[0]), kv[1])).collect();
    Ok(rt.heap.map(map))
}

/// `(map-get m k [default])`: `#f` when `k` is missing and no default is given.
pub fn map_get(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let m = args::map("map-get", a[0])?;
    let missing = a.get(2).copied().unwrap_or(Value::FALSE);
    Ok(m.map.get(&MapKey(a[1])).copied().unwrap_or(missing))
}

pub fn map_set(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let m = args::map("map-set", a[0])?;
    let updated = m.map.update(MapKey(a[1]), a[2]);
    Ok(rt.heap.map(updated))
}

pub fn map_remove(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let m = args::map("map-remove", a[0])?;
    let updated = m.map.without(&MapKey(a[1]));
    Ok(rt.heap.map(updated))
}

pub fn map_contains(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let m = args::map("map-contains?", a[0])?;
    Ok(Value::bool(m.map.contains_key(&MapKey(a[1]))))
}

pub fn map_keys(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let keys: Vec<Value> = args::map("map-keys", a[0])?
        .map
        .keys()
        .map(|k| k.0)
        .collect();
    Ok(rt.heap.list(&keys))
}

pub fn map_values(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let values: Vec<Value> = args::map("map-values", a[0])?
        .map
        .values()
        .copied()
        .collect();
    Ok(rt.heap.list(&values))
}

pub fn map_size(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let n = args::map("map-size", a[0])?.map.len();
    Ok(rt.heap.int(n as i64))
}

/// The entries as a list of `(key . value)` pairs.
pub fn map_to_list(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let m = args::map("map->list", a[0])?;
    let entries: Vec<(Value, Value)> = m.map.iter().map(|(k, v)| (k.0, *v)).collect();
    let pairs: Vec<Value> = entries
        .into_iter()
        .map(|(k, v)| rt.heap.cons(k, v))
        .collect();
    Ok(rt.heap.list(&pairs))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{args, call, check, outcome, rt};
    use super::*;

    /// The map built from the data of `src`.
    fn map_of(rt: &mut Runtime, src: &str) -> Value {
        let a = args(rt, src);
        call(rt, "hash-map", &a).unwrap()
    }

    #[test]
    fn lookups() {
        let mut rt = rt();
        let m = map_of(&mut rt, ":a 1 \"s\" 2 (1 2) 3 :f #f");
        let get = |rt: &mut Runtime, src: &str| {
            let mut a = vec![m];
            a.extend(args(rt, src));
            let r = call(rt, "map-get", &a);
            outcome(rt, r)
        };
        assert_eq!(get(&mut rt, ":a"), "1");
        assert_eq!(get(&mut rt, "\"s\""), "2", "string keys compare by content");
        assert_eq!(get(&mut rt, "(1 2)"), "3", "list keys compare with equal?");
        assert_eq!(get(&mut rt, ":z"), "#f");
        assert_eq!(get(&mut rt, ":z 0"), "0");
        assert_eq!(get(&mut rt, ":f 0"), "#f", "a stored #f is not missing");
        let k = args(&mut rt, ":f")[0];
        assert_eq!(
            call(&mut rt, "map-contains?", &[m, k]).unwrap(),
            Value::TRUE
        );
        assert_eq!(call(&mut rt, "map-size", &[m]).unwrap().as_i64(), Some(4));
    }

    #[test]
    fn updates_leave_the_original_unchanged() {
        let mut rt = rt();
        let m = map_of(&mut rt, ":a 1 :b 2");
        let a = args(&mut rt, ":a :c 100");
        let (ka, kc, hundred) = (a[0], a[1], a[2]);
        let m2 = call(&mut rt, "map-set", &[m, ka, hundred]).unwrap();
        let m3 = call(&mut rt, "map-set", &[m2, kc, hundred]).unwrap();
        let m4 = call(&mut rt, "map-remove", &[m3, ka]).unwrap();
        let size = |rt: &mut Runtime, m| call(rt, "map-size", &[m]).unwrap().as_i64();
        assert_eq!(
            [
                size(&mut rt, m),
                size(&mut rt, m2),
                size(&mut rt, m3),
                size(&mut rt, m4)
            ],
            [Some(2), Some(2), Some(3), Some(2)]
        );
        assert_eq!(
            call(&mut rt, "map-get", &[m, ka]).unwrap().as_i64(),
            Some(1)
        );
        assert_eq!(
            call(&mut rt, "map-get", &[m2, ka]).unwrap().as_i64(),
            Some(100)
        );
        assert_eq!(
            call(&mut rt, "map-contains?", &[m3, ka]).unwrap(),
            Value::TRUE
        );
        assert_eq!(
            call(&mut rt, "map-contains?", &[m4, ka]).unwrap(),
            Value::FALSE
        );
        let m5 = call(&mut rt, "map-remove", &[m, kc]).unwrap();
        assert_eq!(size(&mut rt, m5), Some(2), "removing a missing key");
    }

    #[test]
    fn listing_entries() {
        let mut rt = rt();
        let m = map_of(&mut rt, "1 one 2 two");
        let mut keys: Vec<i64> =
            crate::primitives::args::list("t", call(&mut rt, "map-keys", &[m]).unwrap())
                .unwrap()
                .iter()
                .map(|k| k.as_i64().unwrap())
                .collect();
        keys.sort();
        assert_eq!(keys, [1, 2]);
        let vals = call(&mut rt, "map-values", &[m]).unwrap();
        let shown = rt.show(vals, crate::printer::Mode::Write);
        assert!(shown == "(one two)" || shown == "(two one)", "{shown}");
        let entries = call(&mut rt, "map->list", &[m]).unwrap();
        let shown = rt.show(entries, crate::printer::Mode::Write);
        assert!(
            shown == "((1 . one) (2 . two))" || shown == "((2 . two) (1 . one))",
            "{shown}"
        );
        check(&[
            ("hash-map", "", "{}"),
            ("hash-map", ":a 1 :a 2", "{:a 2}"),
            (
                "map-keys",
                "(1 2)",
                "error: map-keys: expected a map, got (1 2)",
            ),
            (
                "hash-map",
                ":a 1 :b",
                "error: hash-map: expected keys and values in pairs, got 3 arguments",
            ),
            (
                "map-get",
                "#(1) 1",
                "error: map-get: expected a map, got #(1)",
            ),
        ]);
    }
}
