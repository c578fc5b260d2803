//! Keyset pages: the pieces every listing query is built from. A listing orders by an
//! immutable key and the id, asks for one row more than the page, and hands out the last
//! row's key as the cursor, so a page costs the same at row 10 and at row 10⁶.

use super::Pool;
use super::support::{DbRow, PoolDb};
use crate::{Cursor, Page, PageRequest, Result};
use embargo_core::case::Stage;
use sqlx::Row;

pub(super) type Builder = sqlx::QueryBuilder<<Pool as PoolDb>::Db>;

/// `AND <column> IN (…)`, or nothing when every stage is wanted.
pub(super) fn stages_in(q: &mut Builder, column: &str, stages: &[Stage]) {
    if stages.is_empty() {
        return;
    }
    q.push(format_args!(" AND {column} IN ("));
    let mut list = q.separated(", ");
    for s in stages {
        list.push_bind(s.as_str());
    }
    q.push(")");
}

/// `AND (key, id) > cursor`, for listings in ascending order.
pub(super) fn after_ascending(q: &mut Builder, key: &str, id: &str, after: Option<&Cursor>) {
    if let Some(c) = after {
        beside(q, (key, id), c, false, Side::After);
    }
}

/// `AND` the row comes after the cursor, for listings by descending key, then id.
pub(super) fn after_descending(q: &mut Builder, key: &str, id: &str, after: Option<&Cursor>) {
    if let Some(c) = after {
        beside(q, (key, id), c, true, Side::After);
    }
}

/// `AND (key, id) <= reach`, for listings in ascending order.
pub(super) fn up_to_ascending(q: &mut Builder, key: &str, id: &str, reach: &Cursor) {
    beside(q, (key, id), reach, false, Side::UpTo);
}

/// `AND` the row comes before `reach` or is it, for listings by descending key, then id.
pub(super) fn up_to_descending(q: &mut Builder, key: &str, id: &str, reach: &Cursor) {
    beside(q, (key, id), reach, true, Side::UpTo);
}

/// Which rows of a listing a cursor keeps.
#[derive(Clone, Copy)]
enum Side {
    /// Those after it.
    After,
    /// Those before it, and it.
    UpTo,
}

/// `AND` the row (its `key` and `id` columns) is on `side` of `c`, in a listing by
/// ascending key and id, or by descending key, then ascending id.
fn beside(q: &mut Builder, (key, id): (&str, &str), c: &Cursor, descending: bool, side: Side) {
    if !descending {
        let op = match side {
            Side::After => ">",
            Side::UpTo => "<=",
        };
        q.push(format_args!(" AND ({key}, {id}) {op} ("));
        q.push_bind(c.key);
        q.push(", ");
        q.push_bind(c.id.clone());
        q.push(")");
        return;
    }
    let (key_op, id_op) = match side {
        Side::After => ("<", ">"),
        Side::UpTo => (">", "<="),
    };
    q.push(format_args!(" AND ({key} {key_op} "));
    q.push_bind(c.key);
    q.push(format_args!(" OR ({key} = "));
    q.push_bind(c.key);
    q.push(format_args!(" AND {id} {id_op} "));
    q.push_bind(c.id.clone());
    q.push("))");
}

/// ` LIMIT <page + 1>`: the extra row tells whether there is a next page.
pub(super) fn limit(q: &mut Builder, page: &PageRequest) {
    q.push(" LIMIT ");
    q.push_bind(i64::from(page.limit()) + 1);
}

/// The page of `rows` (which selected `sort_key` and `id`), decoded by `item`; rows that
/// `item` turns into `None` are left out.
pub(super) fn page<T>(
    rows: Vec<DbRow>,
    page: &PageRequest,
    mut item: impl FnMut(&DbRow) -> Result<Option<T>>,
) -> Result<Page<T>> {
    let more = rows.len() > page.limit() as usize;
    let mut items = Vec::with_capacity(rows.len().min(page.limit() as usize));
    let mut last = None;
    for row in rows.iter().take(page.limit() as usize) {
        items.extend(item(row)?);
        last = Some(row);
    }
    let next = match last {
        Some(row) if more => Some(cursor_of(row)?),
        _ => None,
    };
    Ok(Page { items, next })
}

/// Where a listing's `row` (which selected `sort_key` and `id`) is.
pub(super) fn cursor_of(row: &DbRow) -> Result<Cursor> {
    Ok(Cursor::new(
        row.try_get("sort_key")?,
        row.try_get::<String, _>("id")?,
    ))
}
