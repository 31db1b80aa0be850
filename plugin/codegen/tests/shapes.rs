//! The IR's `shape` node (docs/protocol.md: "Shapes over SQLite"): it round-trips, the reader refuses a
//! Shape that does not fit its struct, and the generated client exports its
//! descriptor under a name no other item takes.

use tauri_plugin_mizan_codegen::{generate_ts, GenError, Ir, ReadError, TsOptions};

fn ir(shape: &str, fields: &str) -> String {
    format!(
        "mizan-ir 1\nfunction cards kind=query {{\n    result {{\n        list {{\n            ref NoteCard\n        }}\n    }}\n    auth none\n}}\ntype NoteCard {{\n{shape}    struct {{\n{fields}    }}\n}}\n"
    )
}

const FIELDS: &str = "        field id {\n            i64\n        }\n        field title {\n            string\n        }\n";

#[test]
fn a_shape_round_trips_and_reaches_the_client() {
    let text = ir(
        "    shape notes key=id {\n        column id\n        column text field=title\n    }\n",
        FIELDS,
    );
    let model = Ir::from_kdl(&text).unwrap();
    let shape = model.type_def("NoteCard").unwrap().shape.as_ref().unwrap();
    assert_eq!(shape.table, "notes");
    assert_eq!(shape.key, "id");
    assert_eq!(shape.columns[1].column, "text");
    assert_eq!(shape.columns[1].field, "title");
    assert_eq!(model.to_kdl(), text);

    let ts = generate_ts(&text, &TsOptions::default()).unwrap();
    assert!(
        ts.contains("export const NoteCardShape = {\n  table: 'notes',\n  key: 'id',\n  columns: {\n    id: 'id',\n    title: 'text',\n  },\n} as const;"),
        "{ts}"
    );
    // A Shape whose names need quoting.
    let text = ir(
        "    shape \"my notes\" key=id {\n        column id\n        column \"it's\" field=title\n    }\n",
        FIELDS,
    );
    let ts = generate_ts(&text, &TsOptions::default()).unwrap();
    assert!(ts.contains("  table: 'my notes',"), "{ts}");
    assert!(ts.contains("    title: 'it\\'s',"), "{ts}");
}

fn refused(shape: &str) -> String {
    Ir::from_kdl(&ir(shape, FIELDS))
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string())
}

#[test]
fn a_shape_that_does_not_fit_its_struct_is_refused() {
    let e = refused(
        "    shape notes key=id {\n        column id\n        column text field=body\n    }\n",
    );
    assert!(
        e.contains("field `body`, which the struct does not have"),
        "{e}"
    );
    let e = refused("    shape notes key=note_id {\n        column id\n    }\n");
    assert!(
        e.contains("its key `note_id` is not one of its columns"),
        "{e}"
    );
    let e = refused(
        "    shape notes key=id {\n        column id\n        column id field=title\n    }\n",
    );
    assert!(e.contains("column"), "{e}");
    let e = refused("    shape notes {\n        column id\n    }\n");
    assert!(e.contains("`key`"), "{e}");
    let e = refused("    shape notes key=id {\n        row id\n    }\n");
    assert!(e.contains("row"), "{e}");
    let e = refused("    shape notes key=id\n    shape notes key=id\n");
    assert!(e.contains("more than one `shape`"), "{e}");

    // On a type that is not a struct.
    let text =
        "mizan-ir 1\ntype Id {\n    shape ids key=id {\n        column id\n    }\n    i64\n}\n";
    let e = Ir::from_kdl(text).unwrap_err();
    assert!(matches!(e, ReadError::Inconsistent(_)), "{e:?}");
    assert!(e.to_string().contains("a shape is a struct"), "{e}");

    // After the type it shapes.
    let text = "mizan-ir 1\ntype NoteCard {\n    struct {\n        field id {\n            i64\n        }\n    }\n    shape notes key=id {\n        column id\n    }\n}\n";
    let e = Ir::from_kdl(text).unwrap_err();
    assert!(
        e.to_string().contains("`shape` must come before the type"),
        "{e}"
    );
}

#[test]
fn the_descriptor_name_is_claimed() {
    let text = format!(
        "{}type NoteCardShape {{\n    string\n}}\n",
        ir(
            "    shape notes key=id {\n        column id\n    }\n",
            FIELDS
        )
    );
    let e = generate_ts(&text, &TsOptions::default()).unwrap_err();
    assert!(
        matches!(&e, GenError::NameClash { name, .. } if name == "NoteCardShape"),
        "{e:?}"
    );
}
