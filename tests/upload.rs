//! Uploads and binary results (docs/protocol.md: "Uploads and binary results") through the real IPC path: raw
//! bodies with the `mizan-upload` header, chunked uploads, the limit,
//! malformed requests from a hostile webview, access and auth, and raw
//! answers.
#![allow(missing_docs)]

mod common;

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use common::{app, app_with, default_capability, request};
use serde_json::{json, Value};
use tauri::{
    http::{HeaderMap, HeaderValue},
    ipc::{InvokeBody, InvokeResponseBody},
    test::{get_ipc_response, MockRuntime},
    WebviewWindow,
};
use tauri_plugin_mizan::{
    client, jwt::JwtConfig, Builder, Bytes, Context, Identity, MizanExt, StreamSink, Upload,
};

pub const NOTES: Context = Context::new("notes");

/// Runs of functions that take uploads: a refused request runs none.
static RUNS: AtomicU32 = AtomicU32::new(0);

/// The tests count `RUNS`: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(serde::Serialize, specta::Type)]
pub struct FileInfo {
    name: String,
    content_type: String,
    size: usize,
    hash: String,
}

fn info(file: &Upload) -> FileInfo {
    FileInfo {
        name: file.name().to_owned(),
        content_type: file.content_type().to_owned(),
        size: file.len(),
        hash: fnv(file.bytes()),
    }
}

/// FNV-1a, 64 bits, hex: enough to tell bytes apart in a test.
fn fnv(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{h:016x}")
}

#[client]
fn file_info(file: Upload) -> FileInfo {
    RUNS.fetch_add(1, Ordering::SeqCst);
    info(&file)
}

#[client]
fn files_info(label: String, files: Vec<Upload>, cover: Option<Upload>) -> (String, Vec<FileInfo>) {
    RUNS.fetch_add(1, Ordering::SeqCst);
    let mut all: Vec<FileInfo> = files.iter().map(info).collect();
    all.extend(cover.as_ref().map(info));
    (label, all)
}

#[client]
async fn file_size_later(file: Upload) -> usize {
    RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    file.len()
}

#[client(context = NOTES)]
fn note_title(note_id: u32) -> String {
    format!("note {note_id}")
}

/// A mutation that takes a file: its targets travel as for `call`.
#[client(affects = NOTES)]
fn attach(note_id: u32, file: Upload) -> usize {
    RUNS.fetch_add(1, Ordering::SeqCst);
    file.len() + note_id as usize
}

#[client(auth)]
fn guarded_upload(file: Upload) -> usize {
    RUNS.fetch_add(1, Ordering::SeqCst);
    file.len()
}

/// A mutation that takes no file: the upload commands do not serve it.
#[client(affects = NOTES)]
fn rename_note(note_id: u32, title: String) -> usize {
    RUNS.fetch_add(1, Ordering::SeqCst);
    title.len() + note_id as usize
}

/// A streaming function that takes a file: served by `stream` only.
#[client]
async fn file_feed(file: Upload, out: StreamSink<usize>) {
    RUNS.fetch_add(1, Ordering::SeqCst);
    out.send(file.len()).await;
}

/// Bytes answered raw.
#[client]
fn download(size: u32) -> Bytes {
    (0..size)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

#[client]
fn maybe_bytes(fail: bool) -> Result<Bytes, String> {
    if fail {
        Err("no bytes".into())
    } else {
        Ok(Bytes::from(&b"ok"[..]))
    }
}

/// An upload answered with bytes: the file reversed.
#[client]
fn reversed(file: Upload) -> Bytes {
    let mut v = file.to_vec();
    v.reverse();
    v.into()
}

// The wire, as the generated client writes it ---------------------------

/// `encodeURIComponent`: every byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn header(meta: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "mizan-upload",
        HeaderValue::from_str(&percent(&meta.to_string())).unwrap(),
    );
    headers
}

/// One IPC request; the answer's body as it is (JSON or raw).
fn send(
    w: &WebviewWindow<MockRuntime>,
    cmd: &str,
    headers: HeaderMap,
    body: InvokeBody,
) -> Result<InvokeResponseBody, Value> {
    get_ipc_response(w, request(&format!("plugin:mizan|{cmd}"), body, headers))
}

fn json_answer(answer: Result<InvokeResponseBody, Value>) -> Result<Value, Value> {
    answer.map(|b| match b {
        InvokeResponseBody::Json(text) => serde_json::from_str(&text).unwrap(),
        InvokeResponseBody::Raw(bytes) => panic!("a raw answer of {} bytes", bytes.len()),
    })
}

/// A one-message upload.
fn upload(
    w: &WebviewWindow<MockRuntime>,
    function: &str,
    args: Value,
    files: &[(&str, &str, &[u8])],
) -> Result<Value, Value> {
    json_answer(upload_raw(w, function, args, files))
}

fn upload_raw(
    w: &WebviewWindow<MockRuntime>,
    function: &str,
    args: Value,
    files: &[(&str, &str, &[u8])],
) -> Result<InvokeResponseBody, Value> {
    let meta = json!({
        "fn": function,
        "args": args,
        "files": files.iter().map(|(name, ty, bytes)| json!({"name": name, "type": ty, "size": bytes.len()})).collect::<Vec<_>>(),
    });
    let body = files
        .iter()
        .flat_map(|(_, _, b)| b.iter().copied())
        .collect();
    send(w, "upload", header(&meta), InvokeBody::Raw(body))
}

fn begin(w: &WebviewWindow<MockRuntime>, meta: Value) -> Result<String, Value> {
    let answer = json_answer(send(
        w,
        "upload_begin",
        HeaderMap::new(),
        InvokeBody::Json(meta),
    ))?;
    Ok(answer["id"].as_str().unwrap().to_owned())
}

fn chunk(
    w: &WebviewWindow<MockRuntime>,
    id: &str,
    offset: usize,
    bytes: &[u8],
) -> Result<InvokeResponseBody, Value> {
    send(
        w,
        "upload_chunk",
        header(&json!({"id": id, "offset": offset})),
        InvokeBody::Raw(bytes.to_vec()),
    )
}

fn cancel(w: &WebviewWindow<MockRuntime>, id: &str) -> Value {
    json_answer(send(
        w,
        "upload_cancel",
        HeaderMap::new(),
        InvokeBody::Json(json!({"id": id})),
    ))
    .unwrap()
}

fn file_meta(bytes: &[u8]) -> Value {
    json!({"fn": "file_info", "args": {"file": {"$upload": 0}}, "files": [{"name": "big.bin", "type": "application/x-test", "size": bytes.len()}]})
}

/// A chunked upload, as the generated client sends it.
fn chunked(
    w: &WebviewWindow<MockRuntime>,
    meta: Value,
    body: &[u8],
    size: usize,
) -> Result<Value, Value> {
    let id = begin(w, meta)?;
    let mut offset = 0;
    loop {
        let end = (offset + size).min(body.len());
        let answer = json_answer(chunk(w, &id, offset, &body[offset..end]))?;
        offset = end;
        if answer.get("received").is_none() {
            return Ok(answer);
        }
        assert_eq!(answer["received"], offset);
    }
}

fn one() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, mut windows) = app(&[("main", Some(&default_capability("main")))]);
    (app, windows.remove(0))
}

fn limited(limit: usize) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let plugin = Builder::new()
        .max_upload_bytes(limit)
        .upload_expiry(Duration::from_millis(200))
        .build();
    let (app, mut windows) = app_with(plugin, &[("main", Some(&default_capability("main")))]);
    (app, windows.remove(0))
}

fn code(answer: Result<Value, Value>) -> String {
    answer.unwrap_err()["code"].as_str().unwrap().to_owned()
}

fn runs() -> u32 {
    RUNS.load(Ordering::SeqCst)
}

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

// One-message uploads ---------------------------------------------------

#[test]
fn zero_and_one_byte() {
    let _serial = serial();
    let (_app, w) = one();
    let args = json!({"file": {"$upload": 0}});
    let empty = upload(
        &w,
        "file_info",
        args.clone(),
        &[("empty.txt", "text/plain", b"")],
    )
    .unwrap();
    assert_eq!(empty["result"]["size"], 0);
    assert_eq!(empty["result"]["name"], "empty.txt");
    assert_eq!(empty["result"]["hash"], fnv(b""));
    assert_eq!(empty["invalidate"], json!([]));
    let one = upload(&w, "file_info", args, &[("one", "", b"x")]).unwrap();
    assert_eq!(one["result"]["size"], 1);
    assert_eq!(one["result"]["hash"], fnv(b"x"));
    assert_eq!(one["result"]["content_type"], "application/octet-stream");
}

#[test]
fn several_files_in_one_call() {
    let _serial = serial();
    let (_app, w) = one();
    let (a, b, c) = (sample(10), sample(3), sample(0));
    let args = json!({"label": "album", "files": [{"$upload": 0}, {"$upload": 2}], "cover": {"$upload": 1}});
    let answer = upload(
        &w,
        "files_info",
        args,
        &[
            ("a.png", "image/png", &a),
            ("cover.jpg", "image/jpeg", &b),
            ("c", "", &c),
        ],
    )
    .unwrap();
    let (label, files) = (&answer["result"][0], &answer["result"][1]);
    assert_eq!(label, "album");
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.png", "c", "cover.jpg"]);
    assert_eq!(files[0]["hash"], fnv(&a));
    assert_eq!(files[2]["hash"], fnv(&b));
    assert_eq!(files[2]["content_type"], "image/jpeg");

    // An optional upload may be left out.
    let answer = upload(&w, "files_info", json!({"label": "x", "files": []}), &[]).unwrap();
    assert_eq!(answer["result"][1], json!([]));
}

#[test]
fn a_non_ascii_name_survives() {
    let _serial = serial();
    let (_app, w) = one();
    let name = "résumé 📄 «ملف».pdf";
    let answer = upload(
        &w,
        "file_info",
        json!({"file": {"$upload": 0}}),
        &[(name, "application/pdf", b"%PDF")],
    )
    .unwrap();
    assert_eq!(answer["result"]["name"], name);

    // Not percent-encoded: not a valid header value for the webview to
    // send; here, a value with bytes beyond ASCII is refused.
    let mut headers = HeaderMap::new();
    headers.insert(
        "mizan-upload",
        HeaderValue::from_bytes(
            "{\"fn\":\"file_info\",\"files\":[{\"name\":\"é\",\"size\":0}]}".as_bytes(),
        )
        .unwrap(),
    );
    let refused = json_answer(send(&w, "upload", headers, InvokeBody::Raw(Vec::new())));
    assert_eq!(code(refused), "invalid_args");
}

#[test]
fn an_async_function_takes_a_file() {
    let _serial = serial();
    let (_app, w) = one();
    let answer = upload(
        &w,
        "file_size_later",
        json!({"file": {"$upload": 0}}),
        &[("f", "", &sample(1000))],
    )
    .unwrap();
    assert_eq!(answer["result"], 1000);
}

#[test]
fn a_mutation_with_a_file_invalidates() {
    let _serial = serial();
    let (_app, windows) = app(&[
        ("main", Some(&default_capability("main"))),
        ("other", Some(&default_capability("other"))),
    ]);
    let seen = common::record_events(&windows[1]);
    let answer = upload(
        &windows[0],
        "attach",
        json!({"note_id": 7, "file": {"$upload": 0}}),
        &[("n.txt", "text/plain", b"abc")],
    )
    .unwrap();
    assert_eq!(answer["result"], 10);
    assert_eq!(
        answer["invalidate"],
        json!([{"context": "notes", "params": {"note_id": 7}}])
    );
    assert_eq!(seen.lock().unwrap()[0]["targets"], answer["invalidate"]);
}

// The limit ---------------------------------------------------------------

#[test]
fn over_the_limit_nothing_runs_nothing_is_held() {
    let _serial = serial();
    let (app, w) = limited(1000);
    let before = runs();
    let big = sample(1001);
    let answer = upload(
        &w,
        "file_info",
        json!({"file": {"$upload": 0}}),
        &[("big", "", &big)],
    );
    assert_eq!(code(answer), "payload_too_large");
    // Declared sizes over the limit, a small body: refused the same.
    let meta = json!({"fn": "file_info", "args": {"file": {"$upload": 0}}, "files": [{"size": 600}, {"size": 600}]});
    let answer = json_answer(send(
        &w,
        "upload",
        header(&meta),
        InvokeBody::Raw(vec![0; 10]),
    ));
    assert_eq!(code(answer), "payload_too_large");
    // A chunked upload over the limit never begins.
    assert_eq!(
        code(begin(&w, file_meta(&big)).map(Value::from)),
        "payload_too_large"
    );
    let huge = json!({"fn": "file_info", "args": {}, "files": [{"size": u64::MAX}, {"size": 2}]});
    assert_eq!(code(begin(&w, huge).map(Value::from)), "payload_too_large");
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(runs(), before);
    // At the limit: fine.
    let at = sample(1000);
    let answer = upload(
        &w,
        "file_info",
        json!({"file": {"$upload": 0}}),
        &[("at", "", &at)],
    )
    .unwrap();
    assert_eq!(answer["result"]["hash"], fnv(&at));
}

#[test]
fn the_default_limit_is_128_mib() {
    let _serial = serial();
    let (app, w) = one();
    let meta = json!({"fn": "file_info", "args": {"file": {"$upload": 0}}, "files": [{"size": 128 * 1024 * 1024 + 1}]});
    assert_eq!(code(begin(&w, meta).map(Value::from)), "payload_too_large");
    let meta = json!({"fn": "file_info", "args": {"file": {"$upload": 0}}, "files": [{"size": 128 * 1024 * 1024}]});
    let id = begin(&w, meta).unwrap();
    assert_eq!(
        app.mizan().uploads_in_progress(),
        (1, 0),
        "no bytes held before a chunk"
    );
    cancel(&w, &id);
}

// A hostile webview -------------------------------------------------------

#[test]
fn malformed_requests_are_invalid_args_and_run_nothing() {
    let _serial = serial();
    let (_app, w) = one();
    let before = runs();
    let good = json!({"fn": "file_info", "args": {"file": {"$upload": 0}}, "files": [{"name": "a", "size": 3}]});
    let cases: Vec<(&str, HeaderMap, InvokeBody)> = vec![
        (
            "no header",
            HeaderMap::new(),
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "a JSON body",
            header(&good),
            InvokeBody::Json(json!({"fn": "file_info"})),
        ),
        (
            "not JSON",
            {
                let mut h = HeaderMap::new();
                h.insert("mizan-upload", HeaderValue::from_static("%7Bnope"));
                h
            },
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "not UTF-8",
            {
                let mut h = HeaderMap::new();
                h.insert("mizan-upload", HeaderValue::from_static("%FF%FE"));
                h
            },
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "an unknown field",
            header(&json!({"fn": "file_info", "files": [], "extra": 1})),
            InvokeBody::Raw(Vec::new()),
        ),
        (
            "a short body",
            header(&good),
            InvokeBody::Raw(b"ab".to_vec()),
        ),
        (
            "a long body",
            header(&good),
            InvokeBody::Raw(b"abcd".to_vec()),
        ),
        (
            "a negative size",
            header(&json!({"fn": "file_info", "files": [{"size": -1}]})),
            InvokeBody::Raw(Vec::new()),
        ),
        (
            "no placeholder",
            header(&json!({"fn": "file_info", "args": {"file": "abc"}, "files": [{"size": 3}]})),
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "a placeholder past the files",
            header(
                &json!({"fn": "file_info", "args": {"file": {"$upload": 1}}, "files": [{"size": 3}]}),
            ),
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "one file twice",
            header(
                &json!({"fn": "files_info", "args": {"label": "x", "files": [{"$upload": 0}], "cover": {"$upload": 0}}, "files": [{"size": 3}]}),
            ),
            InvokeBody::Raw(b"abc".to_vec()),
        ),
        (
            "a placeholder for a number",
            header(
                &json!({"fn": "attach", "args": {"note_id": {"$upload": 0}, "file": {"$upload": 0}}, "files": [{"size": 3}]}),
            ),
            InvokeBody::Raw(b"abc".to_vec()),
        ),
    ];
    for (what, headers, body) in cases {
        let answer = json_answer(send(&w, "upload", headers, body));
        assert_eq!(code(answer), "invalid_args", "{what}");
    }
    // An unknown function.
    let meta = json!({"fn": "nope", "args": {}, "files": []});
    let answer = json_answer(send(
        &w,
        "upload",
        header(&meta),
        InvokeBody::Raw(Vec::new()),
    ));
    assert_eq!(code(answer), "unknown_function");
    // An Upload through plain `call`: only the upload commands carry files.
    let answer = common::call(&w, "file_info", json!({"file": {"$upload": 0}}));
    let err = answer.unwrap_err();
    assert_eq!(err["code"], "invalid_args");
    assert!(
        err["message"].as_str().unwrap().contains("upload commands"),
        "{err}"
    );
    assert_eq!(runs(), before);
}

#[test]
fn chunks_out_of_order_missing_or_foreign_change_nothing() {
    let _serial = serial();
    let (app, windows) = app(&[
        ("main", Some(&default_capability("main"))),
        ("other", Some(&default_capability("other"))),
    ]);
    let w = &windows[0];
    let before = runs();
    let body = sample(10);
    let id = begin(w, file_meta(&body)).unwrap();
    json_answer(chunk(w, &id, 0, &body[..4])).unwrap();
    // A chunk out of order (or after a missing one), a foreign window,
    // an unknown id, bytes past the declared size, no header.
    assert_eq!(
        code(json_answer(chunk(w, &id, 8, &body[8..]))),
        "invalid_args"
    );
    assert_eq!(
        code(json_answer(chunk(w, &id, 0, &body[..4]))),
        "invalid_args"
    );
    assert_eq!(
        code(json_answer(chunk(&windows[1], &id, 4, &body[4..]))),
        "invalid_args"
    );
    assert_eq!(
        code(json_answer(chunk(w, "0123", 4, &body[4..]))),
        "invalid_args"
    );
    assert_eq!(
        code(json_answer(chunk(w, &id, 4, &sample(7)))),
        "invalid_args"
    );
    let no_header = json_answer(send(
        w,
        "upload_chunk",
        HeaderMap::new(),
        InvokeBody::Raw(body[4..].to_vec()),
    ));
    assert_eq!(code(no_header), "invalid_args");
    assert_eq!(app.mizan().uploads_in_progress(), (1, 4));
    assert_eq!(cancel(&windows[1], &id), json!({"cancelled": false}));
    assert_eq!(runs(), before);
    // The right chunk still completes it, byte for byte.
    let answer = json_answer(chunk(w, &id, 4, &body[4..])).unwrap();
    assert_eq!(answer["result"]["hash"], fnv(&body));
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    // Finished: its id is gone.
    assert_eq!(code(json_answer(chunk(w, &id, 10, b""))), "invalid_args");
}

#[test]
fn a_chunked_upload_arrives_whole() {
    let _serial = serial();
    let (app, w) = one();
    let body = sample(1 << 20);
    for size in [1 << 20, 300_000, 4096] {
        let answer = chunked(&w, file_meta(&body), &body, size).unwrap();
        assert_eq!(answer["result"]["hash"], fnv(&body));
        assert_eq!(answer["result"]["size"], body.len());
        assert_eq!(answer["result"]["content_type"], "application/x-test");
    }
    // Several files, chunks across their boundaries.
    let (a, b) = (sample(5000), sample(3000));
    let meta = json!({"fn": "files_info", "args": {"label": "l", "files": [{"$upload": 0}, {"$upload": 1}]}, "files": [{"name": "a", "size": 5000}, {"name": "b", "size": 3000}]});
    let both: Vec<u8> = a.iter().chain(&b).copied().collect();
    let answer = chunked(&w, meta, &both, 1024).unwrap();
    assert_eq!(answer["result"][1][0]["hash"], fnv(&a));
    assert_eq!(answer["result"][1][1]["hash"], fnv(&b));
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
}

#[test]
fn a_cancelled_upload_leaves_nothing() {
    let _serial = serial();
    let (app, w) = one();
    let before = runs();
    let body = sample(100_000);
    let id = begin(&w, file_meta(&body)).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..30_000])).unwrap();
    json_answer(chunk(&w, &id, 30_000, &body[30_000..50_000])).unwrap();
    // Held: what arrived, grown by doubling, never past the declared size.
    assert_eq!(app.mizan().uploads_in_progress(), (1, 60_000));
    assert_eq!(cancel(&w, &id), json!({"cancelled": true}));
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(
        code(json_answer(chunk(&w, &id, 50_000, &body[50_000..]))),
        "invalid_args"
    );
    assert_eq!(cancel(&w, &id), json!({"cancelled": false}));
    assert_eq!(runs(), before);
}

#[test]
fn an_abandoned_upload_expires() {
    let _serial = serial();
    let (app, w) = limited(1 << 20);
    let body = sample(1000);
    let id = begin(&w, file_meta(&body)).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..10])).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // Expired: its next chunk finds nothing.
    assert_eq!(
        code(json_answer(chunk(&w, &id, 10, &body[10..]))),
        "invalid_args"
    );
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
}

#[test]
fn uploads_in_progress_are_bounded() {
    let _serial = serial();
    let labels: Vec<String> = (0..5).map(|n| format!("w{n}")).collect();
    let caps: Vec<String> = labels.iter().map(|l| default_capability(l)).collect();
    let windows: Vec<(&str, Option<&str>)> = labels
        .iter()
        .zip(&caps)
        .map(|(l, c)| (l.as_str(), Some(c.as_str())))
        .collect();
    let (app, windows) = app(&windows);
    let mut ids = Vec::new();
    for w in &windows[..4] {
        for _ in 0..4 {
            ids.push((w, begin(w, file_meta(b"abc")).unwrap()));
        }
    }
    // 16 in the app: a fifth window is refused too.
    assert_eq!(
        code(begin(&windows[4], file_meta(b"abc")).map(Value::from)),
        "invalid_args"
    );
    for (w, id) in &ids {
        cancel(w, id);
    }
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
}

#[test]
fn one_window_cannot_take_every_slot_or_the_memory() {
    let _serial = serial();
    let plugin = Builder::new()
        .max_upload_bytes(1000)
        .max_upload_memory(1500)
        .build();
    let (app, windows) = app_with(
        plugin,
        &[
            ("main", Some(&default_capability("main"))),
            ("other", Some(&default_capability("other"))),
            ("third", Some(&default_capability("third"))),
        ],
    );
    let (main, other, third) = (&windows[0], &windows[1], &windows[2]);
    // Four uploads in progress per window; the fifth is refused.
    let ids: Vec<String> = (0..4)
        .map(|_| begin(main, file_meta(b"a")).unwrap())
        .collect();
    let refused = begin(main, file_meta(b"a")).map(Value::from).unwrap_err();
    assert_eq!(refused["code"], "invalid_args");
    assert!(
        refused["message"].as_str().unwrap().contains("this window"),
        "{refused}"
    );
    // Another window still may.
    let theirs = begin(other, file_meta(b"a")).unwrap();
    for id in &ids {
        cancel(main, id);
    }
    cancel(other, &theirs);
    // One window's uploads together: at most `max_upload_bytes`.
    let _held = begin(main, file_meta(&sample(600))).unwrap();
    let refused = begin(main, file_meta(&sample(600)))
        .map(Value::from)
        .unwrap_err();
    assert_eq!(refused["code"], "payload_too_large");
    assert_eq!(refused["details"], json!({"size": 1200, "limit": 1000}));
    // Every window's together: at most `max_upload_memory`.
    let _theirs = begin(other, file_meta(&sample(600))).unwrap();
    let refused = begin(third, file_meta(&sample(600)))
        .map(Value::from)
        .unwrap_err();
    assert_eq!(refused["details"], json!({"size": 1800, "limit": 1500}));
    begin(third, file_meta(&sample(300))).unwrap();
    assert_eq!(app.mizan().uploads_in_progress().0, 3);
}

#[test]
fn an_abandoned_upload_is_swept_without_another_request() {
    let _serial = serial();
    let (app, w) = limited(1 << 20);
    let body = sample(1000);
    let id = begin(&w, file_meta(&body)).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..10])).unwrap();
    assert_eq!(app.mizan().uploads_in_progress().0, 1);
    // No request comes: the timer drops it once it expired (200 ms).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.mizan().uploads_in_progress() != (0, 0) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
}

#[test]
fn the_request_limit_applies_to_what_an_upload_says_of_itself() {
    let _serial = serial();
    let plugin = Builder::new().max_request_bytes(4096).build();
    let (app, mut windows) = app_with(plugin, &[("main", Some(&default_capability("main")))]);
    let w = windows.remove(0);
    let before = runs();
    let label = "x".repeat(64 * 1024);
    let args = json!({"label": label, "files": [{"$upload": 0}]});
    // 64 KiB of args in the `mizan-upload` header.
    let answer = upload(&w, "files_info", args.clone(), &[("a", "", b"abc")]);
    assert_eq!(code(answer), "payload_too_large");
    // A 64 KiB `upload_begin` body: no id, nothing held.
    let meta = json!({"fn": "files_info", "args": args, "files": [{"size": 3}]});
    assert_eq!(code(begin(&w, meta).map(Value::from)), "payload_too_large");
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(runs(), before);
    // Under the limit: served.
    let args = json!({"label": "x", "files": [{"$upload": 0}]});
    upload(&w, "files_info", args.clone(), &[("a", "", b"abc")]).unwrap();
    let meta = json!({"fn": "files_info", "args": args, "files": [{"size": 3}]});
    let answer = chunked(&w, meta, b"abc", 2).unwrap();
    assert_eq!(answer["result"][1][0]["size"], 3);
}

#[test]
fn the_upload_commands_serve_only_functions_that_take_a_file() {
    let _serial = serial();
    let (app, windows) = app(&[
        ("main", Some(&default_capability("main"))),
        ("other", Some(&default_capability("other"))),
    ]);
    let w = &windows[0];
    let seen = common::record_events(&windows[1]);
    let before = runs();
    let args = json!({"note_id": 1, "title": "t"});
    // A file to a function that takes none; no file at all, to a mutation.
    for files in [&[("a", "", &b"abc"[..])][..], &[]] {
        let refused = upload(w, "rename_note", args.clone(), files).unwrap_err();
        assert_eq!(refused["code"], "invalid_args", "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("takes no Upload"),
            "{refused}"
        );
    }
    let meta = json!({"fn": "rename_note", "args": args, "files": [{"size": 3}]});
    assert_eq!(code(begin(w, meta).map(Value::from)), "invalid_args");
    // A streaming function: refused before any byte, not at the last chunk.
    let args = json!({"file": {"$upload": 0}});
    let meta = json!({"fn": "file_feed", "args": args, "files": [{"size": 3}]});
    assert_eq!(code(begin(w, meta).map(Value::from)), "invalid_args");
    assert_eq!(
        code(upload(w, "file_feed", args, &[("a", "", b"abc")])),
        "invalid_args"
    );
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(runs(), before, "nothing ran");
    assert!(seen.lock().unwrap().is_empty(), "nothing invalidated");
}

#[test]
fn a_change_of_identity_ends_a_chunked_upload() {
    let _serial = serial();
    // Held JWTs: signing in as another user ends the uploads begun as the
    // previous one.
    let plugin = Builder::new()
        .jwt(JwtConfig::hs256(b"0123456789abcdef0123456789abcdef"))
        .build();
    let (app, mut windows) = app_with(plugin, &[("main", Some(&default_capability("main")))]);
    let w = windows.remove(0);
    let jwt = app.mizan().jwt().unwrap();
    jwt.sign_in(&Identity::new("ada")).unwrap();
    let before = runs();
    let body = sample(10);
    let meta =
        json!({"fn": "guarded_upload", "args": {"file": {"$upload": 0}}, "files": [{"size": 10}]});
    let id = begin(&w, meta.clone()).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..4])).unwrap();
    let anonymous = begin(&w, file_meta(&body)).unwrap();
    jwt.sign_in(&Identity::new("bob")).unwrap();
    assert_eq!(app.mizan().uploads_in_progress(), (1, 0), "ada's is gone");
    assert_eq!(
        code(json_answer(chunk(&w, &id, 4, &body[4..]))),
        "invalid_args"
    );
    assert_eq!(runs(), before, "it never ran as bob");
    cancel(&w, &anonymous);

    // An identity provider that changes with no signal: the chunk that
    // comes as another identity ends the upload.
    let user = std::sync::Arc::new(std::sync::Mutex::new("ada".to_owned()));
    let current = user.clone();
    let plugin = Builder::new()
        .identity(move |_| Some(Identity::new(current.lock().unwrap().clone())))
        .build();
    let (app, mut windows) = app_with(plugin, &[("main", Some(&default_capability("main")))]);
    let w = windows.remove(0);
    let id = begin(&w, meta.clone()).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..4])).unwrap();
    *user.lock().unwrap() = "bob".to_owned();
    let refused = json_answer(chunk(&w, &id, 4, &body[4..])).unwrap_err();
    assert_eq!(refused["code"], "unauthorized");
    assert_eq!(refused["details"], json!({"reason": "identity_changed"}));
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(runs(), before);

    // Signalled: `purge_identity` at sign-out ends them as well.
    *user.lock().unwrap() = "ada".to_owned();
    let id = begin(&w, meta).unwrap();
    json_answer(chunk(&w, &id, 0, &body[..4])).unwrap();
    app.mizan().purge_identity("ada");
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    assert_eq!(
        code(json_answer(chunk(&w, &id, 4, &body[4..]))),
        "invalid_args"
    );
    assert_eq!(runs(), before);
}

// Access and auth: the rule of `call` ---------------------------------

#[test]
fn access_and_auth_apply_as_to_call() {
    let _serial = serial();
    let denied = json!({
        "identifier": "cap-denied", "windows": ["denied"],
        "permissions": [{"identifier": "mizan:default", "deny": [{"fn": "file_info"}]}],
    })
    .to_string();
    let (app, windows) = app(&[("denied", Some(&denied)), ("none", None)]);
    let before = runs();
    let args = json!({"file": {"$upload": 0}});
    let answer = upload(&windows[0], "file_info", args.clone(), &[("a", "", b"abc")]);
    assert_eq!(code(answer), "forbidden");
    assert_eq!(
        code(begin(&windows[0], file_meta(b"abc")).map(Value::from)),
        "forbidden"
    );
    assert_eq!(app.mizan().uploads_in_progress(), (0, 0));
    // Other functions stay allowed in that window.
    upload(
        &windows[0],
        "file_size_later",
        args.clone(),
        &[("a", "", b"abc")],
    )
    .unwrap();
    // No identity: unauthorized, before the body runs or a chunk is taken.
    assert_eq!(
        code(upload(
            &windows[0],
            "guarded_upload",
            args.clone(),
            &[("a", "", b"abc")]
        )),
        "unauthorized"
    );
    let meta = json!({"fn": "guarded_upload", "args": args, "files": [{"size": 3}]});
    assert_eq!(
        code(begin(&windows[0], meta).map(Value::from)),
        "unauthorized"
    );
    // A window without the permission: Tauri's ACL refuses the command.
    assert!(upload(
        &windows[1],
        "file_info",
        json!({"file": {"$upload": 0}}),
        &[("a", "", b"abc")]
    )
    .is_err());
    assert_eq!(runs(), before + 1);
}

// Binary results ------------------------------------------------------------

fn raw_bytes(answer: Result<InvokeResponseBody, Value>) -> Vec<u8> {
    match answer.unwrap() {
        InvokeResponseBody::Raw(bytes) => bytes,
        InvokeResponseBody::Json(text) => panic!("a JSON answer: {text}"),
    }
}

#[test]
fn bytes_are_answered_raw() {
    let _serial = serial();
    let (_app, w) = one();
    let call = |function: &str, args: Value| {
        send(
            &w,
            "call",
            HeaderMap::new(),
            InvokeBody::Json(json!({"fn": function, "args": args})),
        )
    };
    let bytes = raw_bytes(call("download", json!({"size": 1000})));
    assert_eq!(bytes.len(), 1000);
    assert_eq!(bytes[252], 1);
    assert_eq!(raw_bytes(call("download", json!({"size": 0}))), b"");
    assert_eq!(
        raw_bytes(call("maybe_bytes", json!({"fail": false}))),
        b"ok"
    );
    // An error is the usual wire error.
    let err = call("maybe_bytes", json!({"fail": true})).unwrap_err();
    assert_eq!(err["code"], "app");
    assert_eq!(err["details"], "no bytes");
    // The next JSON call is not answered with bytes left over.
    let answer = json_answer(call("download", json!({"size": "x"})));
    assert_eq!(code(answer), "invalid_args");
    // Uploaded, then answered raw.
    let answer = upload_raw(
        &w,
        "reversed",
        json!({"file": {"$upload": 0}}),
        &[("r", "", b"abc")],
    );
    assert_eq!(raw_bytes(answer), b"cba");
}

#[test]
fn the_ir_marks_uploads_and_bytes() {
    let _serial = serial();
    let (app, _w) = one();
    let ir = app.mizan().registry().ir().unwrap();
    use tauri_plugin_mizan::codegen::{Capability, Type};
    let f = ir.function("files_info").unwrap();
    assert_eq!(f.capabilities, [Capability::Upload]);
    assert_eq!(
        f.params[1].ty,
        Type::List {
            item: Box::new(Type::Upload),
            length: None
        }
    );
    assert_eq!(f.params[2].ty, Type::Nullable(Box::new(Type::Upload)));
    assert!(f.params[2].optional);
    assert_eq!(ir.function("download").unwrap().result, Type::Bytes);
    assert!(ir.function("download").unwrap().capabilities.is_empty());
    let text = app.mizan().registry().ir_text().unwrap();
    assert!(text.contains("uses upload"), "{text}");
    let ts = app
        .mizan()
        .registry()
        .client_ts(&Default::default())
        .unwrap();
    assert!(ts.contains("export function filesInfo(args: FilesInfoArgs, client?: $mizan.MizanClient, options?: $mizan.UploadOptions): Promise<[string, FileInfo[]]>"), "{ts}");
    assert!(ts.contains("files: $mizan.UploadBody[];"), "{ts}");
    assert!(ts.contains("cover?: $mizan.UploadBody | null;"), "{ts}");
    assert!(ts.contains("export function download(args: DownloadArgs, client?: $mizan.MizanClient): Promise<Uint8Array>"), "{ts}");
}
