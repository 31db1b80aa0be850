//! Unicode scalar values of every kind survive the IR text in every place a string
//! goes: the writer escapes what KDL only allows escaped, quotes what the
//! reader does not read bare, and the reader gives back the same IR.

use tauri_plugin_mizan_codegen::{
    Auth, ContextDef, FnKind, Function, Ir, Literal, Param, Primitive, Type, TypeDef,
};

/// Scalar values in strings of `len` characters, and each of the first 256
/// alone (a string that is one control character, say): all of those up to
/// U+3000 (controls, spaces, line breaks, bidirectional marks and the
/// scripts the TypeScript names keep), the specials and tags, the last
/// one, and every 61st of the others.
fn all_chars(len: usize) -> Vec<String> {
    let chars: Vec<char> = (0..=0x10FFFFu32)
        .filter(|c| {
            matches!(c, 0..=0x3000 | 0xFE00..=0xFFFF | 0xE0000..=0xE01EF | 0x10FFFF) || c % 61 == 0
        })
        .filter_map(char::from_u32)
        .collect();
    let mut out: Vec<String> = chars.chunks(len).map(String::from_iter).collect();
    out.extend((0..=0xFFu32).filter_map(char::from_u32).map(String::from));
    out.extend(["-.5", "+1", ".x", "-", "1a", "true", "#null", ""].map(String::from));
    out
}

/// Each string goes in one place, turn by turn: a function name, its doc,
/// its role, a context name, a param name, its doc, a literal of a type,
/// the type's doc.
#[test]
fn code_points_of_every_kind_round_trip_in_every_string_place() {
    let strings = all_chars(512);
    let mut literals = Vec::new();
    let mut type_doc = String::new();
    let mut ir = Ir::default();
    for (i, s) in strings.iter().enumerate() {
        let at = |place: usize, default: String| {
            if i % 8 == place {
                s.clone()
            } else {
                default
            }
        };
        let context = at(3, format!("c{i}"));
        let param = Param {
            name: at(4, "p".into()),
            ty: Type::Primitive(Primitive::u8),
            optional: false,
            doc: Some(at(5, String::new())),
        };
        ir.contexts.push(ContextDef {
            name: context.clone(),
            params: vec![param.clone()],
        });
        ir.functions.push(Function {
            name: at(0, format!("f{i}")),
            kind: FnKind::Context {
                context,
                cache: None,
            },
            params: vec![param],
            result: Type::Ref {
                name: "All".into(),
                args: vec![],
            },
            error: None,
            auth: Auth::Role(at(2, "r".into())),
            capabilities: vec![],
            item: None,
            form: None,
            doc: Some(at(1, String::new())),
        });
        match i % 8 {
            6 => literals.push(Type::Literal(Literal::String(s.clone()))),
            7 => type_doc.push_str(s),
            _ => {}
        }
    }
    ir.types.push(TypeDef {
        name: "All".into(),
        generics: vec![],
        doc: Some(type_doc),
        ty: Type::Tuple(literals),
        shape: None,
    });
    ir.normalize();
    let text = ir.to_kdl();
    let back = Ir::from_kdl(&text).unwrap_or_else(|e| panic!("{e}"));
    assert!(back == ir, "the text reads back into another IR");
}
