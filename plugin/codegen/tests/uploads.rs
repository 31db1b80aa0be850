//! Where the IR's `upload` and `bytes` types may stand (docs/protocol.md: "Uploads and binary results"), and
//! what the generator writes for them.

use tauri_plugin_mizan_codegen::{generate_ts, Ir, ReadError};

fn ir(functions: &str) -> String {
    format!("mizan-ir 1\n{functions}")
}

const UPLOAD_QUERY: &str = "function put kind=query {\n    param file {\n        upload\n    }\n    param more {\n        list {\n            upload\n        }\n    }\n    param cover optional=#true {\n        nullable {\n            upload\n        }\n    }\n    result {\n        u32\n    }\n    auth none\n    uses upload\n}\n";

const BYTES_QUERY: &str =
    "function get kind=query {\n    result {\n        bytes\n    }\n    auth none\n}\n";

fn refused(text: &str, says: &str) {
    match Ir::from_kdl(text) {
        Err(ReadError::Inconsistent(message)) => assert!(message.contains(says), "{message}"),
        other => panic!("expected a refusal saying {says:?}, got {other:?}"),
    }
}

#[test]
fn uploads_and_bytes_round_trip_and_generate() {
    let text = ir(&format!("{BYTES_QUERY}{UPLOAD_QUERY}"));
    let read = Ir::from_kdl(&text).unwrap();
    assert_eq!(read.to_kdl(), text);
    let ts = generate_ts(&text, &Default::default()).unwrap();
    assert!(ts.contains("  file: $mizan.UploadBody;\n  more: $mizan.UploadBody[];\n  cover?: $mizan.UploadBody | null;"), "{ts}");
    assert!(ts.contains("export function put(args: PutArgs, client?: $mizan.MizanClient, options?: $mizan.UploadOptions): Promise<number> {\n  return $mizan.upload<number, PutError>('put', args, options, client);\n}"), "{ts}");
    assert!(ts.contains("export function get(args: GetArgs = {}, client?: $mizan.MizanClient): Promise<Uint8Array>"), "{ts}");
}

#[test]
fn an_upload_param_needs_uses_upload_and_back() {
    refused(
        &ir(&UPLOAD_QUERY.replace("    uses upload\n", "")),
        "uses upload",
    );
    refused(
        &ir("function f kind=query {\n    result {\n        u32\n    }\n    auth none\n    uses upload\n}\n"),
        "uses upload",
    );
}

#[test]
fn upload_and_bytes_stand_nowhere_else() {
    // Inside a struct param, a map, a result, a named type.
    refused(
        &ir("function f kind=query {\n    param p {\n        map {\n            string\n            upload\n        }\n    }\n    result {\n        u32\n    }\n    auth none\n}\n"),
        "stands only",
    );
    refused(
        &ir("function f kind=query {\n    result {\n        list {\n            bytes\n        }\n    }\n    auth none\n}\n"),
        "stands only",
    );
    refused(
        &ir("function f kind=query {\n    result {\n        upload\n    }\n    auth none\n}\n"),
        "stands only",
    );
    refused(
        &ir("type T {\n    struct {\n        field f {\n            bytes\n        }\n    }\n}\n"),
        "stands only",
    );
    // `bytes` as a param.
    refused(
        &ir("function f kind=query {\n    param p {\n        bytes\n    }\n    result {\n        u32\n    }\n    auth none\n}\n"),
        "stands only",
    );
}

#[test]
fn bytes_only_from_a_query_uploads_not_in_a_context() {
    refused(
        &ir("function m kind=mutation {\n    result {\n        bytes\n    }\n    auth none\n}\n"),
        "only a query",
    );
    refused(
        &ir("function c kind=context context=ctx {\n    param file {\n        upload\n    }\n    result {\n        u32\n    }\n    auth none\n    uses upload\n}\ncontext ctx {\n    param file {\n        upload\n    }\n}\n"),
        "",
    );
}
