//! The two migration sets must describe the same schema: same tables, same columns,
//! same nullability, equivalent types.

use std::collections::BTreeMap;

type Schema = BTreeMap<String, Vec<(String, &'static str, bool)>>;

fn canonical(ty: &str) -> &'static str {
    match ty.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "int",
        "TEXT" => "text",
        "BLOB" | "BYTEA" => "bytes",
        "BOOLEAN" => "bool",
        other => panic!("add a mapping for column type {other}"),
    }
}

async fn sqlite_schema() -> Schema {
    use sqlx::Row;
    let b = crate::sqlite().await;
    let url = b.raw_url.clone();
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let mut schema = Schema::new();
    for t in tables {
        let cols = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info(\"{t}\")")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let notnull: i64 = r.get("notnull");
                let ty: String = r.get("type");
                (r.get::<String, _>("name"), canonical(&ty), notnull == 0)
            })
            .collect::<Vec<_>>();
        schema.insert(t, sorted(cols));
    }
    schema
}

async fn postgres_schema() -> Schema {
    use sqlx::Row;
    let b = crate::postgres().await;
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&b.raw_url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for r in rows {
        let ty: String = r.get("ty");
        let ty = match ty.as_str() {
            "bigint" => "BIGINT",
            "text" => "TEXT",
            "bytea" => "BYTEA",
            "boolean" => "BOOLEAN",
            other => panic!("add a mapping for {other}"),
        };
        schema.entry(r.get("t")).or_default().push((
            r.get("c"),
            canonical(ty),
            r.get::<String, _>("n") == "YES",
        ));
    }
    schema.into_iter().map(|(t, c)| (t, sorted(c))).collect()
}

fn sorted(mut v: Vec<(String, &'static str, bool)>) -> Vec<(String, &'static str, bool)> {
    v.sort();
    v
}

#[tokio::test]
async fn both_migration_sets_describe_the_same_schema() {
    let (lite, pg) = (sqlite_schema().await, postgres_schema().await);
    assert!(
        lite.contains_key("events") && lite.contains_key("cases"),
        "{lite:?}"
    );
    assert_eq!(lite, pg);
}
