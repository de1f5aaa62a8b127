//! Equality (`eqv?`, `equal?`) and hashing consistent with `equal?`, for
//! map keys. Both walk data with an explicit stack: 1,000,000-deep
//! structures compare without recursion.

use crate::heap::{BigInt, Kind, MapObj, Tagged};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A hasher for value bits (heap addresses are distinct and aligned): a
/// multiply and a fold, several times cheaper than the default hasher
/// for the sets of objects that `equal?` and the printer keep.
#[derive(Default)]
pub(crate) struct BitsHasher(u64);

impl Hasher for BitsHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Maps and sets keyed by value bits, with [`BitsHasher`].
pub(crate) type BitsMap<V> = HashMap<u64, V, BuildHasherDefault<BitsHasher>>;
type PairSet = HashSet<(u64, u64), BuildHasherDefault<BitsHasher>>;

/// `eqv?`: identity, plus equal boxed integers.
pub fn eqv(a: Value, b: Value) -> bool {
    if a == b {
        return true;
    }
    match (a.get::<BigInt>(), b.get::<BigInt>()) {
        (Some(x), Some(y)) => x.value == y.value,
        _ => false,
    }
}

/// How many objects `equal?` compares before it starts remembering the
/// pairs it compared (small data never pay for the set).
const EQUAL_PLAIN_STEPS: usize = 10_000;

/// `equal?`: structural equality of pairs, strings, vectors, tagged values
/// and maps; `eqv?` on everything else.
///
/// Terminates on cyclic data (R7RS requires it): past [`EQUAL_PLAIN_STEPS`]
/// compared objects, each pair of objects is compared once, and meeting a
/// pair again adds nothing (if the data differ, they differ at a pair
/// compared elsewhere). Shared structure compares in time linear in the
/// number of distinct pairs.
pub fn equal(a: Value, b: Value) -> bool {
    let mut work = vec![(a, b)];
    let mut steps = 0usize;
    let mut seen = PairSet::default();
    while let Some((a, b)) = work.pop() {
        if eqv(a, b) {
            continue;
        }
        let (Some(ka), Some(kb)) = (a.kind(), b.kind()) else {
            return false;
        };
        if ka != kb {
            return false;
        }
        steps += 1;
        if steps > EQUAL_PLAIN_STEPS && !seen.insert((a.0, b.0)) {
            continue;
        }
        match ka {
            Kind::Pair => {
                let (p, q) = (a.as_pair().expect("pair"), b.as_pair().expect("pair"));
                work.push((p.cdr.get(), q.cdr.get()));
                work.push((p.car.get(), q.car.get()));
            }
            Kind::Str => {
                if a.as_str().expect("str").as_str() != b.as_str().expect("str").as_str() {
                    return false;
                }
            }
            Kind::Vector => {
                let (x, y) = (a.as_vector().expect("vec"), b.as_vector().expect("vec"));
                if x.items().len() != y.items().len() {
                    return false;
                }
                work.extend(
                    x.items()
                        .iter()
                        .zip(y.items())
                        .map(|(p, q)| (p.get(), q.get())),
                );
            }
            Kind::Tagged => {
                let (x, y) = (
                    a.get::<Tagged>().expect("tag"),
                    b.get::<Tagged>().expect("tag"),
                );
                if x.tag != y.tag || x.fields().len() != y.fields().len() {
                    return false;
                }
                work.extend(x.fields().iter().copied().zip(y.fields().iter().copied()));
            }
            Kind::Map => {
                let (x, y) = (
                    a.get::<MapObj>().expect("map"),
                    b.get::<MapObj>().expect("map"),
                );
                if x.map.len() != y.map.len() {
                    return false;
                }
                for (k, v) in x.map.iter() {
                    match y.map.get(k) {
                        Some(w) => work.push((*v, *w)),
                        None => return false,
                    }
                }
            }
            Kind::Closure | Kind::Cell | Kind::BigInt | Kind::Error => return false,
        }
    }
    true
}

/// A map key: hashes and compares with `equal?`.
#[derive(Clone, Copy, Debug)]
pub struct MapKey(pub Value);

impl PartialEq for MapKey {
    fn eq(&self, other: &Self) -> bool {
        equal(self.0, other.0)
    }
}

impl Eq for MapKey {}

impl Hash for MapKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        // Hash a bounded prefix of the structure: equal values hash alike,
        // and a huge key costs no more than a few hundred steps.
        let mut work = vec![self.0];
        let mut budget = 256;
        while let Some(v) = work.pop() {
            budget -= 1;
            if budget == 0 {
                break;
            }
            match v.kind() {
                None => v.0.hash(h),
                Some(Kind::BigInt) => v.as_i64().hash(h),
                Some(Kind::Str) => v.as_str().expect("str").as_str().hash(h),
                Some(Kind::Pair) => {
                    let p = v.as_pair().expect("pair");
                    1u8.hash(h);
                    work.push(p.cdr.get());
                    work.push(p.car.get());
                }
                Some(Kind::Vector) => {
                    let x = v.as_vector().expect("vec");
                    (2u8, x.items().len()).hash(h);
                    work.extend(x.items().iter().map(|c| c.get()));
                }
                Some(Kind::Tagged) => {
                    let x = v.get::<Tagged>().expect("tag");
                    (3u8, x.tag).hash(h);
                    work.extend(x.fields().iter().copied());
                }
                Some(Kind::Map) => (4u8, v.get::<MapObj>().expect("map").map.len()).hash(h),
                Some(k) => (k as u8, v.0).hash(h),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{GcConfig, Heap};

    #[test]
    fn equal_compares_structure_and_eqv_does_not() {
        let mut h = Heap::new(GcConfig::default());
        let one = Value::int_unchecked(1);
        let s1 = h.string("ab");
        let s2 = h.string("ab");
        let a = h.list(&[one, s1]);
        let b = h.list(&[one, s2]);
        assert!(equal(a, b));
        assert!(!eqv(a, b));
        let c = h.list(&[one]);
        assert!(!equal(a, c));
        assert!(eqv(h.int(i64::MAX), h.int(i64::MAX)));
        assert!(!equal(Value::int_unchecked(2), Value::float(2.0)));
    }

    #[test]
    fn deep_structures_compare_without_recursion() {
        let mut h = Heap::new(GcConfig::default());
        let (mut a, mut b) = (Value::NIL, Value::NIL);
        for _ in 0..1_000_000 {
            a = h.cons(a, Value::NIL);
            b = h.cons(b, Value::NIL);
        }
        assert!(equal(a, b));
    }

    #[test]
    fn equal_keys_hash_alike() {
        use std::collections::hash_map::DefaultHasher;
        let mut h = Heap::new(GcConfig::default());
        let hash = |v| {
            let mut s = DefaultHasher::new();
            MapKey(v).hash(&mut s);
            s.finish()
        };
        let a = h.string("key");
        let b = h.string("key");
        assert_eq!(hash(a), hash(b));
        let l1 = h.list(&[a, Value::int_unchecked(3)]);
        let l2 = h.list(&[b, Value::int_unchecked(3)]);
        assert_eq!(hash(l1), hash(l2));
    }

    #[test]
    fn equal_terminates_on_cycles_and_shared_structure() {
        let mut h = Heap::new(GcConfig::default());
        let one = Value::int_unchecked(1);
        // Two distinct one-pair cycles through the car.
        let p = h.cons(one, Value::NIL);
        p.as_pair().unwrap().car.set(p);
        let q = h.cons(one, Value::NIL);
        q.as_pair().unwrap().car.set(q);
        assert!(equal(p, q));
        // Cycles of different lengths through the cdr: (1 1 ...) both.
        let a = h.list(&[one]);
        a.as_pair().unwrap().cdr.set(a);
        let b = h.list(&[one, one, one]);
        let b3 = b.as_pair().unwrap().cdr.get().as_pair().unwrap().cdr.get();
        b3.as_pair().unwrap().cdr.set(b);
        assert!(equal(a, b));
        let c = h.list(&[one, Value::int_unchecked(2)]);
        let c2 = c.as_pair().unwrap().cdr.get();
        c2.as_pair().unwrap().cdr.set(c);
        assert!(!equal(a, c));
        // 2^60 paths through shared pairs compare in linear time.
        let (mut x, mut y) = (Value::NIL, Value::NIL);
        for _ in 0..60 {
            x = h.cons(x, x);
            y = h.cons(y, y);
        }
        assert!(equal(x, y));
        let z = h.cons(y, one);
        let w = h.cons(x, Value::int_unchecked(2));
        assert!(!equal(z, w));
    }
}
