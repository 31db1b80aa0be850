//! What a Shape read costs: 10,000 rows read through a Shape, against
//! hand-written rusqlite code reading the same three columns (the
//! baseline), and against `SELECT *` into the full row type. The same
//! database, the same connection, statements cached on all three sides.
//!
//! Prints ratios measured in the same run (target: a Shape within 1.1x of
//! hand-written code).
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use criterion::Criterion;
use rusqlite::Connection;
use tauri_plugin_mizan::{shape::Shape, Type};

/// Three of the table's six columns.
#[derive(Debug, serde::Serialize, Type, Shape)]
#[shape(table = "notes")]
pub struct NoteCard {
    id: i64,
    title: String,
    done: bool,
}

/// A whole row.
#[allow(dead_code)]
#[derive(Debug)]
struct NoteRow {
    id: i64,
    list_id: i64,
    title: String,
    body: String,
    done: bool,
    due: Option<String>,
}

const ROWS: i64 = 10_000;

fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, list_id INTEGER NOT NULL,
            title TEXT NOT NULL, body TEXT NOT NULL, done INTEGER NOT NULL, due TEXT)",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO notes VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .unwrap();
        let body = "a longer body of text that a card does not show ".repeat(8);
        for id in 0..ROWS {
            insert
                .execute(rusqlite::params![
                    id,
                    id % 50,
                    format!("note number {id}"),
                    body,
                    id % 3 == 0,
                    (id % 7 == 0).then(|| "2026-12-01".to_owned()),
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    NoteCard::check(&conn).unwrap();
    conn
}

fn shape(conn: &Connection) -> Vec<NoteCard> {
    NoteCard::select().all(conn).unwrap()
}

fn hand_written(conn: &Connection) -> Vec<NoteCard> {
    let mut st = conn
        .prepare_cached("SELECT id, title, done FROM notes")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok(NoteCard {
                id: r.get(0)?,
                title: r.get(1)?,
                done: r.get(2)?,
            })
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn select_star(conn: &Connection) -> Vec<NoteRow> {
    let mut st = conn.prepare_cached("SELECT * FROM notes").unwrap();
    let rows = st
        .query_map([], |r| {
            Ok(NoteRow {
                id: r.get(0)?,
                list_id: r.get(1)?,
                title: r.get(2)?,
                body: r.get(3)?,
                done: r.get(4)?,
                due: r.get(5)?,
            })
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn per_iter<T>(iters: u32, f: impl Fn() -> Vec<T>) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        assert_eq!(std::hint::black_box(f()).len() as i64, ROWS);
    }
    start.elapsed() / iters
}

fn main() {
    let conn = db();
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let mut group = c.benchmark_group("10,000 rows");
    group.bench_function("hand-written", |b| b.iter(|| hand_written(&conn)));
    group.bench_function("shape", |b| b.iter(|| shape(&conn)));
    group.bench_function("SELECT *", |b| b.iter(|| select_star(&conn)));
    group.finish();

    // Interleaved rounds, so drift affects every side alike.
    let (mut hand, mut through_shape, mut star) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..10 {
        hand += per_iter(20, || hand_written(&conn));
        through_shape += per_iter(20, || shape(&conn));
        star += per_iter(20, || select_star(&conn));
    }
    println!(
        "ratio: Shape read / hand-written rusqlite, same columns = {:.3} ({:?} vs {:?} per 10,000 rows)",
        through_shape.as_secs_f64() / hand.as_secs_f64(),
        through_shape / 10,
        hand / 10
    );
    println!(
        "ratio: SELECT * into the full row / Shape read = {:.3} ({:?} vs {:?})",
        star.as_secs_f64() / through_shape.as_secs_f64(),
        star / 10,
        through_shape / 10
    );
    c.final_summary();
}
